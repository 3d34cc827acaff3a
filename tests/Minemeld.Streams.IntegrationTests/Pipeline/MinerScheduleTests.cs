using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

[Trait("Category", "Integration")]
public sealed class MinerScheduleTests(KafkaFixture kafka, RedisFixture redis)
{
    /// <summary>An interval longer than a timer can wait at once (about 49.7 days) must not break the schedule.</summary>
    [Fact]
    public async Task ABimonthlyMinerPollsAndKeepsWaiting()
    {
        await using var feeds = await FeedServer.StartAsync();
        feeds.Set("/monthly.txt", "203.0.113.9\n");
        var name = KafkaFixture.UniqueName("monthly");
        var url = feeds.Url("/monthly.txt");
        var yaml = string.Join('\n',
            $"name: {name}",
            "nodes:",
            "  feed: {prototype: blutmagie.tor_exit_nodes, output: true, config: {url: '" + url + "', interval: 5184000, age_out: {interval: 5184000}}}");
        var graph = GraphLoader.Parse(yaml, "t.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var topic = new TopicNames("minemeld", name).Edge("feed");
        await kafka.CreateTopicAsync(topic, 1);
        using var miner = new MinerNode(graph["feed"], name, topic, connection, harness.Publisher, TimeProvider.System, new MinerRunOptions());
        using var service = new MinerService(miner, connection, name, TimeProvider.System, NullLogger<MinerService>.Instance);
        await service.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => service.Polls == 1, "the first poll");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.False(service.ExecuteTask!.IsCompleted, $"the schedule stopped: {service.ExecuteTask.Exception?.InnerException?.Message}");
        await service.StopAsync(TestContext.Current.CancellationToken);
    }
}
