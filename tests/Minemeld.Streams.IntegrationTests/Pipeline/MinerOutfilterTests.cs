using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>A miner's outfilters decide what reaches its topic (spec §3.3), like any other node's.</summary>
[Trait("Category", "Integration")]
public sealed class MinerOutfilterTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task OutfiltersKeepDroppedIndicatorsOffTheTopic()
    {
        var name = KafkaFixture.UniqueName("outf");
        var yaml = $$"""
            name: {{name}}
            nodes:
              list:
                prototype: stdlib.listIPv4Generic
                output: true
                config:
                  outfilters:
                    - {name: no test nets, conditions: ["starts_with(__indicator, '192.0.2.') == true"], actions: [drop]}
            """;
        var graph = GraphLoader.Parse(yaml, "t.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var topic = new TopicNames("minemeld", name).Edge("list");
        await kafka.CreateTopicAsync(topic, 1);
        using var miner = new MinerNode(graph["list"], name, topic, connection, harness.Publisher, TimeProvider.System, new MinerRunOptions());
        await miner.List!.UpsertAsync([("192.0.2.1", new JsonObject()), ("198.51.100.1", new JsonObject())], replaceAll: true);
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, miner.Poller.Counters.UpdateTx);

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = KafkaFixture.UniqueName("reader"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
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
