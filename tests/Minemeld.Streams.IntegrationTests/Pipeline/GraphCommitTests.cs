using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A graph change applied by the commit procedure, on the embedded broker and a real Redis: the workers refuse the
/// changed graph until it is committed; the commit resets what changed (a list keeps its entries), the miner's
/// rebuild refills the reset feed under its new config, and a node that left the graph leaves no state behind.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GraphCommitTests(KafkaFixture kafka, RedisFixture redis)
{
    private const string Miner = "a: {prototype: stdlib.listIPv4Generic, output: true, config: {attributes: {confidence: 100, share_level: green}}}";

    [Fact]
    public async Task AChangedFeedIsResetAndRefilledByTheMinersRebuildAndADeletedFeedLeavesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = KafkaFixture.UniqueName("commit");
        var v1 = Graph(name, Miner, "f1: {prototype: stdlib.feedHCGreen, inputs: [a]}");
        var v2 = Graph(name, Miner, "f1: {prototype: stdlib.feedHCGreen, inputs: [a], config: {max_entries: 2}}", "f2: {prototype: stdlib.feedHCGreen, inputs: [a]}");
        var v3 = Graph(name, Miner, "f1: {prototype: stdlib.feedHCGreen, inputs: [a], config: {max_entries: 2}}");
        var store = new RedisStateStore(await redis.ConnectAsync());
        var committer = new GraphCommitter(store);
        await new LocalListStore(store, name, "a", "IPv4").UpsertAsync([("10.0.0.1", new JsonObject()), ("10.0.0.2", new JsonObject()), ("10.0.0.3", new JsonObject())], replaceAll: true, TestContext.Current.CancellationToken);
        Assert.Null(await committer.CheckAsync(v1, TestContext.Current.CancellationToken)); // the first start records the graph

        await RunUntilAsync(v1, store, async () => await store.Feed(name, "f1").CountAsync(TestContext.Current.CancellationToken) == 3, "f1 to hold the 3 list entries");

        // The changed graph is refused until committed.
        var refusal = await committer.CheckAsync(v2, TestContext.Current.CancellationToken);
        Assert.NotNull(refusal);
        Assert.Contains("f1: config changed -> reset", refusal, StringComparison.Ordinal);
        Assert.Contains("minemeld commit", refusal, StringComparison.Ordinal);

        var plan = await committer.PlanAsync(v2, TestContext.Current.CancellationToken);
        Assert.Equal(NodeStartup.Rebuild, plan.Startups["a"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["f1"]);
        await committer.ApplyAsync(v2, plan, TestContext.Current.CancellationToken);
        Assert.Null(await committer.CheckAsync(v2, TestContext.Current.CancellationToken));
        Assert.Equal(0, await store.Feed(name, "f1").CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, (await store.MinerTable(name, "a").LoadAsync(TestContext.Current.CancellationToken)).Fields.Values.Sum(static f => System.Text.Json.JsonDocument.Parse(f).RootElement.GetArrayLength()));
        Assert.Equal(3, (await store.LocalList(name, "a").GetAllAsync(TestContext.Current.CancellationToken)).Count);
        Assert.Equal([GraphCommitter.RebuildCommand], (await store.NodeCommands(name).GetAsync(["a"], TestContext.Current.CancellationToken)).Select(static v => RecordText.Of(v)));

        // f1's offsets are past every message: only the rebuild can refill it, now capped at 2.
        await RunUntilAsync(v2, store, async () => await store.Feed(name, "f1").CountAsync(TestContext.Current.CancellationToken) == 2 && await store.Feed(name, "f2").CountAsync(TestContext.Current.CancellationToken) == 3
            && (await store.NodeCommands(name).GetAsync(["a"], TestContext.Current.CancellationToken))[0] is null, "f1 refilled up to its new cap, f2 filled, the rebuild done");

        var removal = await committer.PlanAsync(v3, TestContext.Current.CancellationToken);
        Assert.Equal(["f2"], removal.Deleted);
        await committer.ApplyAsync(v3, removal, TestContext.Current.CancellationToken);
        Assert.Equal(0, await store.Feed(name, "f2").CountAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await store.Status(name).ReadAllAsync("f2", TestContext.Current.CancellationToken));
        Assert.Equal(2, await store.Feed(name, "f1").CountAsync(TestContext.Current.CancellationToken)); // f1 unchanged, a unchanged: both initialize
    }

    /// <summary>
    /// A runtime writes its nodes' final status when it stops, once: disposing it afterwards writes nothing more, so a
    /// caller that deleted the graph's keys after stopping (the pipeline benchmark does) finds them gone.
    /// </summary>
    [Fact]
    public async Task AStoppedRuntimeWritesNothingWhenDisposed()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = KafkaFixture.UniqueName("stop");
        var graph = Graph(name, Miner, "f1: {prototype: stdlib.feedHCGreen, inputs: [a]}");
        var connection = await redis.ConnectAsync();
        var store = new RedisStateStore(connection);
        await new LocalListStore(store, name, "a", "IPv4").UpsertAsync([("10.0.0.1", new JsonObject())], replaceAll: true, TestContext.Current.CancellationToken);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var runtime = Runtime(graph, store, harness);
        await runtime.StartAsync(ct);
        await PipelineHarness.EventuallyAsync(async () => await store.Feed(name, "f1").CountAsync(TestContext.Current.CancellationToken) == 1, "f1 to hold the entry", TimeSpan.FromSeconds(60));
        await runtime.StopAsync(ct);
        Assert.NotEmpty(await store.Status(name).ReadAllAsync("f1", TestContext.Current.CancellationToken));

        var server = connection.GetServers()[0];
        await foreach (var key in server.KeysAsync(pattern: $"mm:{name}:*"))
        {
            await connection.GetDatabase().KeyDeleteAsync(key);
        }

        await runtime.DisposeAsync();
        Assert.Empty(await store.Status(name).ReadAllAsync("f1", TestContext.Current.CancellationToken));
        Assert.Empty(await server.KeysAsync(pattern: $"mm:{name}:*").ToListAsync(ct));
    }

    private static NodeGraph Graph(string name, params string[] nodes)
    {
        var result = GraphLoader.Parse($"name: {name}\nnodes:\n{string.Concat(nodes.Select(static n => $"  {n}\n"))}", "g.yml", name, PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        return result.Graph!;
    }

    private async Task RunUntilAsync(NodeGraph graph, IStateStore store, Func<Task<bool>> condition, string what)
    {
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        await using var runtime = Runtime(graph, store, harness);
        await runtime.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(condition, what, TimeSpan.FromSeconds(60));
    }

    /// <summary>Every node of <paramref name="graph"/> in one runtime, on the fixture's broker.</summary>
    private GraphRuntime Runtime(NodeGraph graph, IStateStore store, PipelineHarness harness) => new(
        graph, new HashSet<NodeKind> { NodeKind.Miner, NodeKind.Processor, NodeKind.Output }, new TopicNames("minemeld", graph.Name),
        harness.Factory, harness.Publisher, store, new KafkaFixtureProvisioner(kafka), harness.Options, new MinerRunOptions(),
        NullLoggerFactory.Instance, TimeProvider.System);
}
