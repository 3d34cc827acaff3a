using System.Text.Json.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>A miner's outfilters decide what reaches its topic (docs/minemeld-engine.md, "The emit path"), like any other node's.</summary>
[Trait("Category", "Integration")]
public sealed class MinerOutfilterTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task OutfiltersKeepDroppedIndicatorsOffTheTopic()
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "outf",
            "{prototype: stdlib.listIPv4Generic, output: true, config: {outfilters: [{name: no test nets, conditions: [\"starts_with(__indicator, '192.0.2.') == true\"], actions: [drop]}]}}");
        using var miner = graph.Replica();
        await miner.List!.UpsertAsync([("192.0.2.1", new JsonObject()), ("198.51.100.1", new JsonObject())], replaceAll: true, TestContext.Current.CancellationToken);
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, miner.Poller.Counters.UpdateTx);

        // A wrongly sent second message gets two seconds to show up.
        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 1, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(["198.51.100.1"], seen.Select(static m => m.Indicator));
    }
}
