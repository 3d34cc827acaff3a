using Minemeld.Streams.Hosting.Nodes.Processors;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// An aggregator that takes over a block applies what was forwarded into the block's repartition partition before
/// anything it reads from its inputs: otherwise a later message of an indicator, read directly, would overtake an
/// earlier one still waiting on the repartition topic.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RepartitionCatchUpTests(KafkaFixture kafka, RedisFixture redis)
{
    private const int Count = 2_000;

    [Fact]
    public async Task ForwardedMessagesWaitingForABlockAreAppliedBeforeItsDirectInput()
    {
        var name = KafkaFixture.UniqueName("catchup");
        var yaml = string.Join('\n',
            $"name: {name}",
            "nodes:",
            "  src: {prototype: stdlib.listIPv4Generic, output: true, partitions: 1}",
            "  agg: {prototype: stdlib.aggregatorIPv4Generic, inputs: [src], output: true, partitions: 1}",
            "  feed: {prototype: stdlib.feedHCGreen, inputs: [agg], partitions: 1}");
        var graph = GraphLoader.Parse(yaml, "test.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        // Small fetches: the two partitions reach the consumer in many interleaved pieces, as a large backlog would.
        harness.Options.Value.Librdkafka["max.partition.fetch.bytes"] = "4096";
        var names = new TopicNames("minemeld", graph.Name);
        var store = new RedisStateStore(connection);
        var factory = new NodeServiceFactory(graph, names, harness.Factory, harness.Publisher, store, harness.Options, NullLoggerFactory.Instance, TimeProvider.System);
        foreach (var (topic, partitions) in factory.Topics())
        {
            await kafka.CreateTopicAsync(topic, partitions);
        }

        // What a previous owner left: updates of block 10 forwarded to the repartition topic and not yet applied,
        // then, on the input, the withdraws of the same indicators and one last update.
        var indicators = Enumerable.Range(0, Count).Select(static i => $"10.0.{(i / 250).ToString(CultureInfo.InvariantCulture)}.{(i % 250).ToString(CultureInfo.InvariantCulture)}").ToList();
        var value = new JsonObject { ["type"] = "IPv4", ["confidence"] = 100, ["share_level"] = "green", ["sources"] = new JsonArray("src") };
        // Many small batches of forwards: a consumer's fetches bring them in pieces, between pieces of the input.
        foreach (var chunk in indicators.Chunk(50))
        {
            await harness.Publisher.PublishAsync(
                [.. chunk.Select(i => PipelineHarness.Update(names.Repartition("agg"), i, "src", value) with { Key = "4.10", Partition = 0 })],
                TestContext.Current.CancellationToken);
        }

        await harness.Publisher.PublishAsync(
            [.. indicators.Select(i => PipelineHarness.Withdraw(names.Edge("src"), i, "src")), PipelineHarness.Update(names.Edge("src"), "10.9.9.9", "src", value)],
            TestContext.Current.CancellationToken);

        var aggregator = factory.Create("agg");
        var services = aggregator.Select(static s => s.Service).Concat(factory.Create("feed").Select(static s => s.Service)).ToList();
        foreach (var service in services)
        {
            await service.StartAsync(TestContext.Current.CancellationToken);
        }

        var feed = store.Feed(graph.Name, "feed");
        var router = (InputRouter)aggregator.Single().Handler;
        try
        {
            // The last update follows every withdraw on its partition; once the aggregator applied all it read
            // (updates forwarded, withdraws and the last update direct), the feed holds the last update alone.
            await PipelineHarness.EventuallyAsync(async () => router.Counters["direct"] == Count + 1 && await feed.CountAsync(TestContext.Current.CancellationToken) == 1, "the aggregator to apply everything", TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }

        var members = await connection.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.FeedMembers(graph.Name, "feed"));
        Assert.Equal(["10.9.9.9-10.9.9.9"], members.Select(static m => m.ToString()));
    }
}
