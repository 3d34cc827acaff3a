using System.Text.Json.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A list miner publishes a poll's updates in indicator order (ordinal), as a rebuild and an age-out do, whatever
/// order Redis hands the list back in: a topic's contents are reproducible, and the nodes downstream receive
/// neighbouring indicators together (a range aggregator writes a few address blocks per batch, a feed's sorted set
/// inserts next to the previous member).
/// </summary>
[Trait("Category", "Integration")]
public sealed class MinerListOrderTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task APollsUpdatesLeaveInIndicatorOrder()
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "order", "{prototype: stdlib.listIPv4Generic, output: true}");
        using var miner = graph.Replica();
        var random = new Random(20261130);
        var indicators = Enumerable.Range(0, 300).Select(_ => $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}").Distinct().ToList();
        await miner.List!.UpsertAsync([.. indicators.Select(static i => (i, new JsonObject()))], replaceAll: true, TestContext.Current.CancellationToken);
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: indicators.Count, settle: TimeSpan.FromSeconds(1));
        Assert.Equal(indicators.Order(StringComparer.Ordinal), seen.Select(static m => m.Indicator));
    }
}
