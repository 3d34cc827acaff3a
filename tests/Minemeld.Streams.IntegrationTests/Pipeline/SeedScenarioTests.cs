using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Yaml;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// The managed-services scenario end to end (graphs/customer-a.yml): miners poll a local HTTP server serving the
/// fixtures in the feeds' real formats, two levels of range aggregation, local lists in Redis, three feeds. The
/// expected feeds are computed here from the fixture text with a simple breakpoint oracle.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SeedScenarioTests(KafkaFixture kafka, RedisFixture redis)
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "fixtures", name));

    [Fact]
    public async Task FeedsOfTheThreeOfferingsFollowTheirSources()
    {
        await using var feeds = await FixtureHttpServer.StartAsync();
        var drop = Fixture("spamhaus-drop.txt");
        feeds.Set("/block.txt", Fixture("dshield-block.txt"));
        feeds.Set("/drop.txt", drop);
        feeds.Set("/edrop.txt", Fixture("spamhaus-edrop.txt"));
        feeds.Set("/exit-addresses", Fixture("tor-exit-addresses.txt"));

        var graph = LoadGraph(feeds);
        var connection = await redis.ConnectAsync();
        var store = new RedisStateStore(connection);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        await using var runtime = new GraphRuntime(
            graph, new HashSet<NodeKind> { NodeKind.Miner, NodeKind.Processor, NodeKind.Output }, new TopicNames("minemeld", graph.Name),
            harness.Factory, harness.Publisher, store, new KafkaFixtureProvisioner(kafka), harness.Options,
            new MinerRunOptions { MinRetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(20) },
            NullLoggerFactory.Instance, TimeProvider.System);
        await runtime.StartAsync(TestContext.Current.CancellationToken);
        var db = connection.GetDatabase();
        async Task<List<string>> Feed(string node) =>
            [.. (await db.SortedSetRangeByRankAsync(RedisKeys.FeedMembers(graph.Name, node))).Select(static m => m.ToString()).Order(StringComparer.Ordinal)];
        async Task Expect(string node, List<string> expected)
        {
            List<string> actual = [];
            await PipelineHarness.EventuallyAsync(async () => (actual = await Feed(node)).SequenceEqual(expected), $"{node} to hold {expected.Count} entries", TimeSpan.FromSeconds(60));
        }

        // 1. The base and premium feeds equal the oracle over their sources.
        var baseSources = Ranges(drop, Fixture("spamhaus-edrop.txt"), Fixture("dshield-block.txt"), tor: null);
        var torRows = Ranges(null, null, null, Fixture("tor-exit-addresses.txt"));
        await Expect("freeBaseOffering", RangeOracle.Pieces(baseSources, []));
        await Expect("premiumOffering", RangeOracle.Pieces([.. baseSources, .. torRows], []));

        // 2. A local-list entry and a whitelist hole reach customer A's feed (and only it).
        var bucket = new LocalListStore(store, graph.Name, "bucketCustomerA", "IPv4");
        var whitelist = new LocalListStore(store, graph.Name, "wlCustomerA", "IPv4");
        await bucket.UpsertAsync([("198.51.100.7", new JsonObject { ["comment"] = "ticket 42" })], replaceAll: false, TestContext.Current.CancellationToken);
        await whitelist.UpsertAsync([("1.19.1.0/24", new JsonObject())], replaceAll: false, TestContext.Current.CancellationToken);
        var premiumPieces = RangeOracle.Pieces([.. baseSources, .. torRows], []).Select(RangeOracle.Parse).ToList();
        await Expect("customerAFeed", RangeOracle.Pieces([.. premiumPieces, RangeOracle.Parse("198.51.100.7")], [RangeOracle.Parse("1.19.1.0/24")]));
        Assert.Equal(await Feed("premiumOffering"), RangeOracle.Pieces([.. baseSources, .. torRows], []));
        var value = JsonNode.Parse((string)(await db.HashGetAsync(RedisKeys.FeedValues(graph.Name, "customerAFeed"), "198.51.100.7-198.51.100.7"))!)!;
        Assert.Equal("ticket 42", value["comment"]!.GetValue<string>());

        // Removing the whitelist entry fills the hole again.
        await whitelist.RemoveAsync(["1.19.1.0/24"], TestContext.Current.CancellationToken);
        await Expect("customerAFeed", RangeOracle.Pieces([.. premiumPieces, RangeOracle.Parse("198.51.100.7")], []));

        // 3. The DROP list changes between polls: new entries appear, vanished ones are withdrawn.
        var changed = drop.Replace("2.57.122.0/24 ; SBL636050\n", string.Empty, StringComparison.Ordinal) + "100.64.0.0/22 ; SBL999999\n";
        feeds.Set("/drop.txt", changed);
        await new LocalListStore(store, graph.Name, "spamhaus_DROP", null).HupAsync(TestContext.Current.CancellationToken);
        var changedBase = Ranges(changed, Fixture("spamhaus-edrop.txt"), Fixture("dshield-block.txt"), tor: null);
        await Expect("freeBaseOffering", RangeOracle.Pieces(changedBase, []));

        // 4. A failed poll withdraws nothing.
        var edropMiner = runtime.Miners.Single(static m => m.Name == "spamhaus_EDROP");
        var before = edropMiner.Poller.Counters.PollErrors;
        var (withdrawsBefore, removedBefore, lengthBefore) = (edropMiner.Poller.Counters.WithdrawTx, edropMiner.Poller.Counters.Removed, edropMiner.Poller.Length);
        feeds.Set("/edrop.txt", "upstream broken", status: 500);
        await new LocalListStore(store, graph.Name, "spamhaus_EDROP", null).HupAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => edropMiner.Poller.Counters.PollErrors > before, "the failed EDROP poll");
        Assert.Equal("ERROR", edropMiner.SubState);
        Assert.Contains("500", edropMiner.LastError, StringComparison.Ordinal);
        Assert.Equal(RangeOracle.Pieces(changedBase, []), await Feed("freeBaseOffering"));
        // The status is written at the end of the cycle, after the counters moved.
        var statuses = store.Status(graph.Name);
        await PipelineHarness.EventuallyAsync(
            async () => (await statuses.ReadInstanceAsync("spamhaus_EDROP", TestContext.Current.CancellationToken))?["sub_state"]?.GetValue<string>() == "ERROR",
            "the EDROP status to say ERROR");
        var status = await statuses.ReadInstanceAsync("spamhaus_EDROP", TestContext.Current.CancellationToken);
        Assert.Equal((withdrawsBefore, removedBefore, lengthBefore), (edropMiner.Poller.Counters.WithdrawTx, edropMiner.Poller.Counters.Removed, edropMiner.Poller.Length));
        Assert.Contains("500", status!["sub_state_message"]!.GetValue<string>(), StringComparison.Ordinal);

        await runtime.StopAsync(TestContext.Current.CancellationToken);

        // Aggregators and outputs report their status too: counters summed over their handlers, feed length.
        var feedStatus = await statuses.ReadInstanceAsync("freeBaseOffering", TestContext.Current.CancellationToken);
        Assert.Equal(5, feedStatus!["state"]!.GetValue<int>());
        Assert.Equal(RangeOracle.Pieces(changedBase, []).Count, feedStatus["length"]!.GetValue<long>());
        Assert.True(feedStatus["statistics"]!["update.rx"]!.GetValue<long>() > 0);
        var aggregatorStatus = await statuses.ReadInstanceAsync("customerA", TestContext.Current.CancellationToken);
        Assert.True(aggregatorStatus!["statistics"]!["update.tx"]!.GetValue<long>() > 0);
        // The runtime places every message on its block's partition number: one process owns them all and applies
        // what it reads, nothing takes the second hop through the repartition topic.
        Assert.True(aggregatorStatus["statistics"]!["direct"]!.GetValue<long>() > 0);
        Assert.Null(aggregatorStatus["statistics"]!["routed"]);

        // The same counters are Prometheus series.
        using var exported = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(exported, TestContext.Current.CancellationToken);
        var text = System.Text.Encoding.UTF8.GetString(exported.ToArray());
        Assert.Contains($"minemeld_node_length{{node=\"freeBaseOffering\"}} {RangeOracle.Pieces(changedBase, []).Count}", text, StringComparison.Ordinal);
        Assert.Contains("minemeld_node_events_total{node=\"customerA\",counter=\"update.tx\"}", text, StringComparison.Ordinal);
        Assert.Contains("minemeld_miner_poll_duration_seconds_count{node=\"spamhaus_EDROP\",outcome=\"error\"}", text, StringComparison.Ordinal);
    }

    /// <summary>customer-a.yml with its miners pointed at the local server and a graph name of its own.</summary>
    private static NodeGraph LoadGraph(FixtureHttpServer feeds)
    {
        var (root, _) = YamlDocument.Load(Path.Combine(RepositoryPaths.Graphs, "customer-a.yml"));
        var nodes = root!["nodes"]!.AsObject();
        nodes["dshield_blocklist"]!["config"] = new JsonObject { ["url"] = feeds.Url("/block.txt") };
        nodes["spamhaus_DROP"]!["config"] = new JsonObject { ["url"] = feeds.Url("/drop.txt") };
        nodes["spamhaus_EDROP"]!["config"] = new JsonObject { ["url"] = feeds.Url("/edrop.txt") };
        nodes["tor_exit_nodes"]!["config"] = new JsonObject { ["url"] = feeds.Url("/exit-addresses") };
        var name = KafkaFixture.UniqueName("seed");
        root["name"] = name;
        var result = GraphLoader.Parse(root.ToJsonString(), "customer-a.json", name, PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        return result.Graph!;
    }

    /// <summary>Intervals from the documents, read the simple way (not with the parsers under test).</summary>
    internal static List<(long Start, long End)> Ranges(string? drop, string? edrop, string? dshield, string? tor)
    {
        var rows = new List<(long, long)>();
        foreach (var text in new[] { drop, edrop })
        {
            rows.AddRange((text ?? string.Empty).Split('\n').Where(static l => l.Length > 0 && l[0] != ';').Select(static l => RangeOracle.Parse(l.Split(' ')[0])));
        }

        rows.AddRange((dshield ?? string.Empty).Split('\n').Where(static l => l.Length > 0 && l[0] is not ('#' or 'S')).Select(static l => l.Split('\t')).Select(static c => RangeOracle.Parse($"{c[0]}-{c[1]}")));
        rows.AddRange((tor ?? string.Empty).Split('\n').Where(static l => l.StartsWith("ExitAddress ", StringComparison.Ordinal)).Select(static l => RangeOracle.Parse(l.Split(' ')[1])));
        return rows;
    }
}
