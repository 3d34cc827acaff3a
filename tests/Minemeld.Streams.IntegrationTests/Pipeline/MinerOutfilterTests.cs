using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>A miner's outfilters decide what reaches its topic (spec §3.3), like any other node's.</summary>
[Trait("Category", "Integration")]
public sealed class MinerOutfilterTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task OutfiltersKeepDroppedIndicatorsOffTheTopic()
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "outf",
            "{prototype: stdlib.listIPv4Generic, output: true, config: {outfilters: [{name: no test nets, conditions: [\"starts_with(__indicator, '192.0.2.') == true\"], actions: [drop]}]}}");
        using var miner = graph.Replica();
        await miner.List!.UpsertAsync([("192.0.2.1", new JsonObject()), ("198.51.100.1", new JsonObject())], replaceAll: true);
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, miner.Poller.Counters.UpdateTx);

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = KafkaFixture.UniqueName("reader"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(graph.Topic);
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && seen.Count < 1)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } result)
            {
                seen.Add(IndicatorMessageSerializer.Deserialize(result.Message.Value).Indicator);
            }
        }

        // Give a wrongly sent second message the chance to show up.
        if (consumer.Consume(TimeSpan.FromSeconds(2)) is { } extra)
        {
            seen.Add(IndicatorMessageSerializer.Deserialize(extra.Message.Value).Indicator);
        }

        consumer.Close();
        Assert.Equal(["198.51.100.1"], seen);
    }
}
