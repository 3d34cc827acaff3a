using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A poll whose messages are not acknowledged has changed the table in memory but not what downstream knows: the
/// next poll must publish them again, not take them for already sent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MinerPublishFailureTests(RedisFixture redis)
{
    [Fact]
    public async Task APollThatCouldNotPublishIsPublishedByTheNextOne()
    {
        // A broker of its own, since this test takes it down.
        using var broker = EmbeddedKafkaBroker.Start();
        var name = KafkaFixture.UniqueName("pubfail");
        var graph = GraphLoader.Parse($"name: {name}\nnodes:\n  miner: {{prototype: stdlib.listIPv4Generic, output: true}}\n", "t.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var topic = new TopicNames("minemeld", name).Edge("miner");
        broker.CreateTopic(topic, 1);
        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = broker.BootstrapServers,
            Librdkafka = { ["message.timeout.ms"] = "1500" },
        });
        using var publisher = new MessagePublisher(new KafkaClientFactory(options, NullLogger<KafkaClientFactory>.Instance));
        var connection = await redis.ConnectAsync();
        using var miner = new MinerNode(graph["miner"], name, topic, new RedisStateStore(connection), publisher, TimeProvider.System, new MinerRunOptions());
        await miner.List!.UpsertAsync([("192.0.2.1", new JsonObject()), ("198.51.100.1", new JsonObject())], replaceAll: true, TestContext.Current.CancellationToken);

        broker.SetBrokerDown();
        await Assert.ThrowsAsync<ProduceFailedException>(() => miner.PollAsync(TestContext.Current.CancellationToken));
        broker.SetBrokerUp();
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));

        var seen = PipelineHarness.ReadTopic(broker.BootstrapServers, topic, expected: 2);
        Assert.All(seen, static m => Assert.Equal(MessageOp.Update, m.Op));
        Assert.Equal(["192.0.2.1", "198.51.100.1"], seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
    }
}
