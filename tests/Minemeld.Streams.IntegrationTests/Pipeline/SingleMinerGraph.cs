using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.IntegrationTests.Fixtures;
using StackExchange.Redis;
using Minemeld.Streams.Hosting.Redis;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>A graph of one miner node named <c>miner</c>, its edge topic created, ready to build replicas of it.</summary>
internal sealed class SingleMinerGraph : IDisposable
{
    private SingleMinerGraph(string name, GraphNode node, string topic, ConnectionMultiplexer connection, PipelineHarness harness)
    {
        Name = name;
        Node = node;
        Topic = topic;
        Connection = connection;
        Harness = harness;
    }

    public string Name { get; }

    public GraphNode Node { get; }

    public string Topic { get; }

    public ConnectionMultiplexer Connection { get; }

    public PipelineHarness Harness { get; }

    /// <summary>Parses the one-node graph under a unique name and creates the miner's edge topic.</summary>
    /// <param name="kafka">The broker fixture.</param>
    /// <param name="redis">The Redis fixture.</param>
    /// <param name="prefix">Start of the unique graph name.</param>
    /// <param name="nodeSpec">The node's definition as a YAML flow mapping.</param>
    public static async Task<SingleMinerGraph> CreateAsync(KafkaFixture kafka, RedisFixture redis, string prefix, string nodeSpec)
    {
        var name = KafkaFixture.UniqueName(prefix);
        var result = GraphLoader.Parse($"name: {name}\nnodes:\n  miner: {nodeSpec}\n", "t.yml", name, PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var topic = new TopicNames("minemeld", name).Edge("miner");
        await kafka.CreateTopicAsync(topic, 1);
        return new SingleMinerGraph(name, result.Graph!["miner"], topic, await redis.ConnectAsync(), new PipelineHarness(kafka.BootstrapServers));
    }

    /// <summary>A replica of the miner (the caller disposes it).</summary>
    public MinerNode Replica(MinerRunOptions? options = null) =>
        new(Node, Name, Topic, new RedisStateStore(Connection), Harness.Publisher, TimeProvider.System, options ?? new MinerRunOptions());

    public void Dispose() => Harness.Dispose();
}
