using Minemeld.Streams.Hosting.Nodes.Processors;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// Miner messages → IPv4 range aggregator (inputs and repartition by /8 block read in one group; what another
/// replica owns forwarded to it) → feed, through the embedded broker and a real Redis; the feed is compared with a
/// per-address oracle computed here. The inputs have 3 partitions and the aggregator 4, so a block's input
/// partition and its repartition partition differ: with two replicas some blocks cross to the other one.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AggregationPipelineTests(KafkaFixture kafka, RedisFixture redis)
{
    private const string GraphYaml = """
        nodes:
          drop: {prototype: spamhaus.DROP, output: true, partitions: 3}
          dshield: {prototype: dshield.block, output: true, partitions: 3}
          wlList: {prototype: stdlib.listIPv4Generic, output: true, partitions: 3}
          agg: {prototype: stdlib.aggregatorIPv4Generic, inputs: [drop, dshield, wlList], output: true, partitions: 4}
          feed: {prototype: stdlib.feedHCGreenWithValue, inputs: [agg], partitions: 4}
        """;

    // (input, indicator, withdraw?) in publish order. The last state per (input, indicator) is what counts.
    private static readonly (string Input, string Indicator, bool Withdraw)[] Workload =
    [
        ("drop", "10.0.0.0/22", false),
        ("dshield", "10.0.1.0-10.0.1.255", false),
        ("dshield", "10.0.2.10-10.0.2.20", false),
        ("drop", "10.0.3.128/25", false),
        ("wlList", "10.0.1.7", false),
        ("wlList", "10.0.0.100-10.0.0.110", false),
        ("dshield", "10.255.255.250-11.0.0.5", false),
        ("drop", "11.0.0.0/24", false),
        ("dshield", "11.0.0.64/26", false),
        ("wlList", "11.0.0.70", false),
        ("dshield", "10.0.2.10-10.0.2.20", true),
        ("wlList", "10.0.0.100-10.0.0.110", true),
        ("drop", "11.0.1.0/24", false),
        ("drop", "11.0.1.0/24", true),
        ("dshield", "11.0.0.64/26", false),
    ];

    [Fact]
    public Task OneAggregatorReplicaGivesTheOracleFeed() => RunAsync(replicas: 1);

    [Fact]
    public Task TwoAggregatorReplicasGiveTheSameFeedAsOne() => RunAsync(replicas: 2);

    [Fact]
    public Task TwoConsumeLoopsPerSubscriptionInOneProcessGiveTheSameFeedAsOne() => RunAsync(replicas: 1, consumersPerSubscription: 2);

    private async Task RunAsync(int replicas, int consumersPerSubscription = 1)
    {
        var name = KafkaFixture.UniqueName("agg");
        var graph = GraphLoader.Parse($"name: {name}\n{GraphYaml}", "test.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers, consumersPerSubscription);
        var names = new TopicNames("minemeld", graph.Name);
        var services = new List<EdgeConsumerService>();
        var routers = new List<InputRouter>();
        for (var r = 0; r < replicas; r++)
        {
            var factory = new NodeServiceFactory(graph, names, harness.Factory, harness.Publisher, new RedisStateStore(connection), harness.Options, NullLoggerFactory.Instance, TimeProvider.System);
            if (r == 0)
            {
                foreach (var (topic, partitions) in factory.Topics())
                {
                    await kafka.CreateTopicAsync(topic, partitions);
                }

                // The miners' messages are placed as every process of the graph places them.
                harness.Publisher.Place(factory.Topics());
            }

            var aggregator = factory.Create("agg");
            routers.AddRange(aggregator.Select(static s => s.Handler).Cast<InputRouter>());
            services.AddRange(aggregator.Select(static s => s.Service));
            services.AddRange(factory.Create("feed").Select(static s => s.Service));
        }

        Assert.Equal(2 * replicas * consumersPerSubscription, services.Count); // aggregator and feed loops
        foreach (var service in services)
        {
            await service.StartAsync(TestContext.Current.CancellationToken);
        }

        await PipelineHarness.EventuallyAsync(async () => services.All(static s => s.HasAssignment), "every consumer got partitions");
        var published = 0L;
        foreach (var (input, indicator, withdraw) in Workload)
        {
            var topic = names.Edge(input);
            var message = withdraw
                ? PipelineHarness.Withdraw(topic, indicator, input)
                : PipelineHarness.Update(topic, indicator, input, new JsonObject
                {
                    ["type"] = "IPv4",
                    ["confidence"] = 100,
                    ["share_level"] = "green",
                    ["sources"] = new JsonArray(input),
                    ["last_seen"] = ++published,
                });
            await harness.Publisher.PublishAsync([message], TestContext.Current.CancellationToken);
        }

        var expected = Oracle();
        var db = connection.GetDatabase();
        var key = RedisKeys.FeedMembers(graph.Name, "feed");
        List<string> actual = [];
        try
        {
            await PipelineHarness.EventuallyAsync(
                async () =>
                {
                    actual = [.. (await db.SortedSetRangeByRankAsync(key)).Select(static m => m.ToString()).Order(StringComparer.Ordinal)];
                    return actual.SequenceEqual(expected);
                },
                "the feed to equal the oracle",
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }

        Assert.Equal(expected, actual);

        // Blocks 10 and 11 lie on input partitions 1 and 2 (of 3) and repartition partitions 2 and 3 (of 4). Alone, a
        // replica owns everything and applies all it reads; two replicas split each topic in ranges (one owns
        // input 0-1 and repartition 0-1, the other input 2 and repartition 2-3), so block 10 is read by one and
        // forwarded to the other, while block 11 is applied where it is read.
        var direct = routers.Sum(static r => r.Counters["direct"]);
        var routed = routers.Sum(static r => r.Counters["routed"]);
        Assert.True(direct > 0, "keys applied where they were read");
        if (replicas * consumersPerSubscription == 1)
        {
            Assert.Equal(0, routed);
        }
        else
        {
            Assert.True(routed > 0, "keys forwarded to the replica that owns their block");
        }

        var value = JsonNode.Parse((string)(await db.HashGetAsync(RedisKeys.FeedValues(graph.Name, "feed"), "10.0.1.8-10.0.1.255"))!)!;
        Assert.Equal(["drop", "dshield"], value["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));
    }

    /// <summary>
    /// The expected feed from the workload's final rows, address by address: an address is in the feed when a
    /// normal row covers it and no whitelist row does; pieces break at every row start, one past every row end,
    /// and at /8 boundaries (the aggregator is partitioned by /8 block).
    /// </summary>
    private static List<string> Oracle()
    {
        var final = new Dictionary<(string, string), bool>();
        foreach (var (input, indicator, withdraw) in Workload)
        {
            final[(input, indicator)] = !withdraw;
        }

        var rows = final.Where(static f => f.Value).Select(static f =>
        {
            Assert.True(IPRangeParser.TryParse(f.Key.Item2, out var parsed, out _));
            return (Whitelist: f.Key.Item1.StartsWith("wl", StringComparison.Ordinal), Start: (long)parsed.V4.Start, End: (long)parsed.V4.End);
        }).ToList();
        var cuts = rows.SelectMany(static r => new[] { r.Start, r.End + 1 }).ToHashSet();
        var from = rows.Min(static r => r.Start);
        var to = rows.Max(static r => r.End);
        var pieces = new List<string>();
        long? runStart = null;
        for (var a = from; a <= to + 1; a++)
        {
            var output = a <= to && rows.Any(r => !r.Whitelist && r.Start <= a && a <= r.End) && !rows.Any(r => r.Whitelist && r.Start <= a && a <= r.End);
            var cut = cuts.Contains(a) || (a & 0xFFFFFF) == 0;
            if (runStart is { } start && (!output || cut))
            {
                pieces.Add($"{IPv4Family.Format((uint)start)}-{IPv4Family.Format((uint)(a - 1))}");
                runStart = null;
            }

            if (output && runStart is null)
            {
                runStart = a;
            }
        }

        return [.. pieces.Order(StringComparer.Ordinal)];
    }
}
