using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// The aggregator worker, as its own OS process, is killed (SIGKILL) while messages flow and started again: the
/// final feed equals the oracle, and the aggregator's stored rows are exactly the live ones (nothing lost, nothing
/// doubled).
/// </summary>
[Trait("Category", "Integration")]
public sealed class WorkerCrashTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task AnAggregatorKilledMidStreamAndRestartedGivesTheSameFeed()
    {
        var name = KafkaFixture.UniqueName("crash");
        var yaml = $"""
            name: {name}
            nodes:
              drop: {"{"}prototype: spamhaus.DROP, output: true, partitions: 4{"}"}
              wlList: {"{"}prototype: stdlib.listIPv4Generic, output: true, partitions: 2{"}"}
              agg: {"{"}prototype: stdlib.aggregatorIPv4Generic, inputs: [drop, wlList], output: true, partitions: 4{"}"}
              feed: {"{"}prototype: stdlib.feedHCGreen, inputs: [agg], partitions: 4{"}"}
            """;
        var graphFile = Path.Combine(Path.GetTempPath(), $"{name}.yml");
        await File.WriteAllTextAsync(graphFile, yaml, TestContext.Current.CancellationToken);
        var graph = GraphLoader.LoadFile(graphFile, PrototypeLibrary.BuiltIn).Graph!;
        var connection = await redis.ConnectAsync();
        var endpoint = await redis.EndpointAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var names = new TopicNames("minemeld", graph.Name);
        var factory = new NodeServiceFactory(graph, names, harness.Factory, harness.Publisher, new RedisStateStore(connection), harness.Options, NullLoggerFactory.Instance, TimeProvider.System);
        foreach (var (topic, partitions) in factory.Topics())
        {
            await kafka.CreateTopicAsync(topic, partitions);
        }

        var feed = factory.Create("feed").Single().Service;
        await feed.StartAsync(TestContext.Current.CancellationToken);
        var worker = StartWorker(graphFile, endpoint);
        Process? restarted = null;
        try
        {
            // 2,000 networks over three /8 blocks, some withdrawn again, and whitelist holes.
            var rows = new Dictionary<string, bool>(StringComparer.Ordinal);
            var messages = new List<OutgoingMessage>();
            for (var i = 0; i < 2000; i++)
            {
                var indicator = $"{20 + (i % 3)}.{i / 200}.{i % 200}.0/24";
                messages.Add(Update(names.Edge("drop"), indicator, "drop"));
                rows[indicator] = true;
            }

            for (var i = 0; i < 2000; i += 7)
            {
                var indicator = $"{20 + (i % 3)}.{i / 200}.{i % 200}.0/24";
                messages.Add(PipelineHarness.Withdraw(names.Edge("drop"), indicator, "drop"));
                rows[indicator] = false;
            }

            var whitelist = new[] { "20.0.3.0/24", "21.1.1.128/25", "22.2.2.7" };
            messages.AddRange(whitelist.Select(w => Update(names.Edge("wlList"), w, "wlList")));

            // First half, then kill the worker while it is busy, then the rest, then a fresh worker.
            await harness.Publisher.PublishAsync(messages[..(messages.Count / 2)], TestContext.Current.CancellationToken);
            var members = RedisKeys.FeedMembers(graph.Name, "feed");
            var db = connection.GetDatabase();
            await PipelineHarness.EventuallyAsync(async () => await db.SortedSetLengthAsync(members) > 50, "the first pieces in the feed", TimeSpan.FromSeconds(60));
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync(TestContext.Current.CancellationToken);
            await harness.Publisher.PublishAsync(messages[(messages.Count / 2)..], TestContext.Current.CancellationToken);
            restarted = StartWorker(graphFile, endpoint);

            var expected = RangeOracle.Pieces([.. rows.Where(static r => r.Value).Select(static r => RangeOracle.Parse(r.Key))], [.. whitelist.Select(RangeOracle.Parse)]);
            List<string> actual = [];
            await PipelineHarness.EventuallyAsync(
                async () => (actual = [.. (await db.SortedSetRangeByRankAsync(members)).Select(static m => m.ToString()).Order(StringComparer.Ordinal)]).SequenceEqual(expected),
                "the feed to equal the oracle after the restart",
                TimeSpan.FromSeconds(90));

            // The aggregator's stored rows are the live rows, once each.
            var stored = 0L;
            foreach (var block in new[] { "4.20", "4.21", "4.22" })
            {
                stored += await db.HashLengthAsync(RedisKeys.RangeRows(graph.Name, "agg", block));
            }

            Assert.Equal(rows.Count(static r => r.Value) + whitelist.Length, stored);
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

            await feed.StopAsync(CancellationToken.None);
            File.Delete(graphFile);
        }
    }

    private static OutgoingMessage Update(string topic, string indicator, string origin) =>
        PipelineHarness.Update(topic, indicator, origin, new JsonObject
        {
            ["type"] = "IPv4",
            ["confidence"] = 100,
            ["share_level"] = "green",
            ["sources"] = new JsonArray(origin),
        });

    private Process StartWorker(string graphFile, string redisEndpoint) => WorkerProcess.StartAggregator(graphFile, kafka.BootstrapServers, redisEndpoint);
}
