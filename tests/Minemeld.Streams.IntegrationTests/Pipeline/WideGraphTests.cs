using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Diagnostics;
using System.Text;
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
using StackExchange.Redis;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A managed-services graph of many customers in one process with the role layout (one consumer group and one loop
/// per role), on the embedded broker and a real redis-server: every customer feed equals what that customer's nodes
/// give by themselves (the premium offering plus the customer's own list); several loops of a role (replicas) give
/// the same feeds; a graph run with the earlier per-node groups goes on under the role layout with identical feeds.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WideGraphTests(KafkaFixture kafka, RedisFixture redis)
{
    private const int Sources = 2;
    private const int PerSource = 3;
    private const int PerCustomer = 4;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThreeHundredNodesInOneProcessGiveEveryCustomerItsOwnFeed(bool parkIdle)
    {
        const int customers = 100;
        var (name, graph) = Graph(parkIdle ? "wide-parked" : "wide", customers, partitions: 1);
        Assert.True(graph.Nodes.Count >= 300, $"{graph.Nodes.Count} nodes");
        var connection = await redis.ConnectAsync();
        var store = new RedisStateStore(connection);
        var expected = await FillAsync(store, name, customers);
        using var harness = new PipelineHarness(kafka.BootstrapServers, parkIdle: parkIdle);
        await using var runtime = Runtime(graph, harness, store);
        await runtime.StartAsync(TestContext.Current.CancellationToken);

        // Two consume loops (processors, outputs), not one per node.
        Assert.Equal(2, runtime.ConsumeLoops);
        await UntilFeedsAsync(connection, name, expected);
        if (parkIdle)
        {
            // At rest every input partition of both loops is parked, so the edit below has to wake its way through.
            var inputs = graph.Nodes.Where(static n => n.Kind != NodeKind.Miner).SelectMany(static n => n.Inputs).Distinct(StringComparer.Ordinal).Count();
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(runtime.RoleLoops.Sum(static l => l.ParkedPartitions) >= inputs), $"all {inputs} input partitions parked");
        }

        // An edit of one customer's list reaches that customer's feed only.
        var list = new LocalListStore(store, name, "bucket7", "IPv4");
        await list.UpsertAsync([("203.0.113.9", new JsonObject())], replaceAll: false, TestContext.Current.CancellationToken);
        await list.HupAsync(TestContext.Current.CancellationToken);
        expected[7].Add("203.0.113.9-203.0.113.9");
        await UntilFeedsAsync(connection, name, expected);
        Assert.All(runtime.Consumers, static c => Assert.Null(c.FatalError));
    }

    [Fact]
    public async Task TwoLoopsOfEachRoleGiveTheFeedsOfOne()
    {
        const int customers = 12;
        var connection = await redis.ConnectAsync();
        var store = new RedisStateStore(connection);
        var feeds = new List<Dictionary<int, List<string>>>();
        foreach (var loops in new[] { 1, 2 })
        {
            var (name, graph) = Graph($"replicas{loops}", customers, partitions: 3);
            var expected = await FillAsync(store, name, customers);
            using var harness = new PipelineHarness(kafka.BootstrapServers, consumersPerSubscription: loops);
            await using var runtime = Runtime(graph, harness, store);
            await runtime.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal(2 * loops, runtime.ConsumeLoops);
            feeds.Add(await UntilFeedsAsync(connection, name, expected));
        }

        Assert.Equal(feeds[0], feeds[1]);
    }

    [Fact]
    public async Task AGraphRunWithPerNodeGroupsGoesOnUnderTheRoleLayout()
    {
        const int customers = 6;
        var (name, graph) = Graph("upgrade", customers, partitions: 2);
        var connection = await redis.ConnectAsync();
        var store = new RedisStateStore(connection);
        var expected = await FillAsync(store, name, customers);
        Dictionary<int, List<string>> before;
        using (var old = new PipelineHarness(kafka.BootstrapServers, layout: "node"))
        {
            await using var runtime = Runtime(graph, old, store);
            await runtime.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal((2 * customers) + 1, runtime.ConsumeLoops); // one loop per aggregator and per feed
            before = await UntilFeedsAsync(connection, name, expected);
            await runtime.StopAsync(TestContext.Current.CancellationToken);
        }

        // While no worker runs, one customer's list loses an entry: the new layout must apply it, after replaying
        // the edges from their start (its groups have no offsets yet) over the state the old layout left.
        var list = new LocalListStore(store, name, "bucket2", "IPv4");
        var gone = expected[2].First(static e => e.StartsWith("100.", StringComparison.Ordinal));
        await list.RemoveAsync([gone[..gone.IndexOf('-', StringComparison.Ordinal)]], TestContext.Current.CancellationToken);
        expected[2].Remove(gone);

        using var harness = new PipelineHarness(kafka.BootstrapServers);
        await using (var runtime = Runtime(graph, harness, store))
        {
            await runtime.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal(2, runtime.ConsumeLoops);
            var after = await UntilFeedsAsync(connection, name, expected);
            Assert.Equal(before.Where(static f => f.Key != 2), after.Where(static f => f.Key != 2));
            Assert.DoesNotContain(gone, after[2]);
        }
    }

    [Fact]
    public async Task AWideGraphWhoseAggregatorsAreKilledInTheFirstFillGivesTheSameFeedsAfterARestart()
    {
        const int customers = 100;
        var (name, yaml) = Yaml("wide-kill", customers, partitions: 2);
        var graphFile = Path.Combine(Path.GetTempPath(), $"{name}.yml");
        await File.WriteAllTextAsync(graphFile, yaml, TestContext.Current.CancellationToken);
        var graph = GraphLoader.LoadFile(graphFile, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        var endpoint = await redis.EndpointAsync();
        var store = new RedisStateStore(connection);
        var expected = await FillAsync(store, name, customers);
        using var harness = new PipelineHarness(kafka.BootstrapServers);

        // Miners and feeds here; the 101 aggregators in the real worker executable, killed with SIGKILL once the
        // first pieces reach the feeds (their loop has batches in flight and offsets not yet committed).
        await using var runtime = Runtime(graph, harness, store, NodeKind.Miner, NodeKind.Output);
        await runtime.StartAsync(TestContext.Current.CancellationToken);
        var worker = WorkerProcess.StartAggregator(graphFile, kafka.BootstrapServers, endpoint);
        Process? restarted = null;
        try
        {
            var db = connection.GetDatabase();
            await PipelineHarness.EventuallyAsync(
                async () => await db.SortedSetLengthAsync(RedisKeys.FeedMembers(name, "customer0Feed")) > 0 || await db.SortedSetLengthAsync(RedisKeys.FeedMembers(name, $"customer{customers - 1}Feed")) > 0,
                "the first pieces in a customer feed", TimeSpan.FromSeconds(90));
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync(TestContext.Current.CancellationToken);
            restarted = WorkerProcess.StartAggregator(graphFile, kafka.BootstrapServers, endpoint);
            await UntilFeedsAsync(connection, name, expected);
            Assert.All(runtime.Consumers, static c => Assert.Null(c.FatalError));
        }
        finally
        {
            foreach (var process in new[] { worker, restarted })
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                }

                process?.Dispose();
            }

            File.Delete(graphFile);
        }
    }

    private GraphRuntime Runtime(NodeGraph graph, PipelineHarness harness, IStateStore store, params NodeKind[] roles) => new(
        graph, roles.Length == 0 ? new HashSet<NodeKind> { NodeKind.Miner, NodeKind.Processor, NodeKind.Output } : roles.ToHashSet(), new TopicNames("minemeld", graph.Name),
        harness.Factory, harness.Publisher, store, new KafkaFixtureProvisioner(kafka), harness.Options,
        new MinerRunOptions { MinRetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(20) },
        NullLoggerFactory.Instance, TimeProvider.System);

    /// <summary>Source lists → premium aggregate; per customer a list, an inbound aggregator over both, a feed with values.</summary>
    private static (string Name, NodeGraph Graph) Graph(string prefix, int customers, int partitions)
    {
        var (name, yaml) = Yaml(prefix, customers, partitions);
        return (name, GraphLoader.Parse(yaml, "wide.yml", name, PrototypeLibrary.BuiltIn).Graph!);
    }

    private static (string Name, string Yaml) Yaml(string prefix, int customers, int partitions)
    {
        var name = KafkaFixture.UniqueName(prefix);
        var yaml = new StringBuilder($"name: {name}\nnodes:\n");
        for (var s = 0; s < Sources; s++)
        {
            yaml.Append($"  source{s}: {{prototype: stdlib.listIPv4Generic, output: true, config: {{attributes: {{confidence: 100, share_level: green}}}}}}\n");
        }

        yaml.Append($"  premium: {{prototype: stdlib.aggregatorIPv4Generic, inputs: [{string.Join(", ", Enumerable.Range(0, Sources).Select(static s => $"source{s}"))}], output: true, partitions: {partitions}}}\n");
        for (var c = 0; c < customers; c++)
        {
            yaml.Append($"  bucket{c}: {{prototype: stdlib.listIPv4Generic, output: true, partitions: {partitions}}}\n")
                .Append($"  customer{c}: {{prototype: stdlib.aggregatorIPv4Inbound, inputs: [premium, bucket{c}], output: true, partitions: {partitions}}}\n")
                .Append($"  customer{c}Feed: {{prototype: stdlib.feedHCWithValue, inputs: [customer{c}], partitions: {partitions}}}\n");
        }

        return (name, yaml.ToString());
    }

    /// <summary>Fills the lists; returns each customer's expected feed (the oracle: what its own nodes give alone).</summary>
    private static async Task<Dictionary<int, HashSet<string>>> FillAsync(IStateStore store, string name, int customers)
    {
        var premium = new List<string>();
        for (var s = 0; s < Sources; s++)
        {
            var entries = Enumerable.Range(0, PerSource).Select(i => $"10.{s}.{i}.1").ToList();
            premium.AddRange(entries);
            await new LocalListStore(store, name, $"source{s}", "IPv4").UpsertAsync([.. entries.Select(static e => (e, new JsonObject()))], replaceAll: true, TestContext.Current.CancellationToken);
        }

        var expected = new Dictionary<int, HashSet<string>>();
        for (var c = 0; c < customers; c++)
        {
            var own = Enumerable.Range(0, PerCustomer).Select(i => $"100.{c / 256}.{c % 256}.{1 + (2 * i)}").ToList();
            await new LocalListStore(store, name, $"bucket{c}", "IPv4").UpsertAsync([.. own.Select(static e => (e, new JsonObject()))], replaceAll: true, TestContext.Current.CancellationToken);
            expected[c] = [.. premium.Concat(own).Select(static a => $"{a}-{a}")];
        }

        return expected;
    }

    /// <summary>Waits until every customer feed holds exactly its expected members; returns them.</summary>
    private static async Task<Dictionary<int, List<string>>> UntilFeedsAsync(ConnectionMultiplexer connection, string name, Dictionary<int, HashSet<string>> expected)
    {
        var db = connection.GetDatabase();
        var feeds = new Dictionary<int, List<string>>();
        await PipelineHarness.EventuallyAsync(async () =>
        {
            foreach (var (c, members) in expected)
            {
                var feed = (await db.SortedSetRangeByRankAsync(RedisKeys.FeedMembers(name, $"customer{c}Feed"))).Select(static m => m.ToString()).Order(StringComparer.Ordinal).ToList();
                if (!members.SetEquals(feed))
                {
                    return false;
                }

                feeds[c] = feed;
            }

            return true;
        }, "every customer feed to hold exactly its expected members", TimeSpan.FromSeconds(120));
        return feeds;
    }
}
