using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.Hosting.Redis;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

[Trait("Category", "Integration")]
public sealed class MinerScheduleTests(KafkaFixture kafka, RedisFixture redis)
{
    /// <summary>An interval longer than a timer can wait at once (about 49.7 days) must not break the schedule.</summary>
    [Fact]
    public async Task ABimonthlyMinerPollsAndKeepsWaiting()
    {
        await using var feeds = await FixtureHttpServer.StartAsync();
        feeds.Set("/monthly.txt", "203.0.113.9\n");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "bimonthly",
            "{prototype: blutmagie.tor_exit_nodes, output: true, config: {url: '" + feeds.Url("/monthly.txt") + "', interval: 5184000, age_out: {interval: 5184000}}}");
        using var miner = graph.Replica();
        using var service = new MinerService(miner, new RedisStateStore(graph.Connection).Hup, graph.Name, TimeProvider.System, NullLogger<MinerService>.Instance);
        await service.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => service.Polls == 1, "the first poll");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.False(service.ExecuteTask!.IsCompleted, $"the schedule stopped: {service.ExecuteTask.Exception?.InnerException?.Message}");
        await service.StopAsync(TestContext.Current.CancellationToken);
    }
}
