using Minemeld.Streams.Hosting.Nodes.Miners;
using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.Metrics;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld bench width --customers N [--redis HOST:PORT] [--layout role|node]</c>: a managed-services graph
/// that grows by customers, in one process on the embedded broker. Four source lists feed a base and a premium
/// offering (aggregator and feed each); every customer adds a local list, an inbound IPv4 aggregator over the premium
/// aggregate and its list, and a feed with values: 8 + 3N nodes, 18 indicators per customer feed. Prints the time
/// until every customer feed holds exactly its expected indicators, the process's threads, RSS and CPU over 10 idle
/// seconds, p50/p99 of 200 single-indicator edits of random customers' lists until each shows in that customer's
/// feed, and the produce timeouts and consume-loop restarts meanwhile (both should be 0).
/// </summary>
internal static class WidthBenchmark
{
    private const int SourceLists = 4;
    private const int PerSource = 3;
    private const int PerCustomer = 6;
    private const int Edits = 200;
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var customers = new Option<int>("--customers") { Description = "Customers in the graph (each: a list, an aggregator, a feed).", DefaultValueFactory = static _ => 1000 };
        var redis = new Option<string?>("--redis") { Description = "Redis to use (host:port); keys under mm:wbench-* are deleted afterwards. Without it: the in-memory store." };
        var layout = new Option<string>("--layout") { Description = "Kafka:Layout: role (one consumer group per role) or node (one per node, the earlier layout).", DefaultValueFactory = static _ => "role" };
        layout.AcceptOnlyFromAmong("role", "node");
        customers.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--customers must be at least 1");
            }
        });
        var partitions = new Option<int?>("--partitions") { Description = "Partitions of each customer's nodes (default: the graph's default)." };
        var librdkafka = new Option<string[]>("--librdkafka") { Description = "A librdkafka setting (key=value) for every client; repeatable.", AllowMultipleArgumentsPerToken = false };
        var park = new Option<bool>("--park") { Description = "Kafka:ParkIdlePartitions, which minemeld run turns on with the embedded broker (--park false: off).", DefaultValueFactory = static _ => true };
        var tables = new Option<bool>("--table-topics") { Description = "Feeds mirror themselves on their table topics, as they do by default (--table-topics false: off).", DefaultValueFactory = static _ => true };
        var command = new Command("width", "A graph of many customers in one process: start time, threads, memory, idle CPU, edit latency.") { customers, redis, layout, partitions, librdkafka, park, tables };
        command.SetAction((parse, token) =>
        {
            var settings = (parse.GetValue(librdkafka) ?? []).Select(static s => s.Split('=', 2)).ToDictionary(static s => s[0], static s => s.Length > 1 ? s[1] : string.Empty, StringComparer.Ordinal);
            return RunAsync(parse.GetValue(customers), parse.GetValue(redis), parse.GetValue(layout)!, new Shape(parse.GetValue(partitions), parse.GetValue(tables)), parse.GetValue(park), settings, token);
        });
        return command;
    }

    /// <summary>
    /// The customers' nodes: their partition count (null: the graph's default) and whether feeds have table topics.
    /// </summary>
    internal sealed record Shape(int? Partitions, bool TableTopics = true);

    private static async Task<int> RunAsync(int customers, string? redisEndpoint, string layout, Shape shape, bool park, Dictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var name = $"wbench-{DateTime.UtcNow:HHmmss}-{Environment.ProcessId}";
        using var broker = EmbeddedKafkaBroker.Start();
        await using var redis = redisEndpoint is null ? null : await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
        IStateStore store = redis is null ? new MemoryStateStore() : new RedisStateStore(redis);
        try
        {
            return await RunAsync(broker, store, name, customers, layout, shape, park, settings, cancellationToken);
        }
        finally
        {
            if (redis is not null)
            {
                await BenchCommand.CleanupAsync(redis, name);
            }
        }
    }

    private static async Task<int> RunAsync(EmbeddedKafkaBroker broker, IStateStore store, string name, int customers, string layout, Shape shape, bool park, Dictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var graph = GraphLoader.Parse(Yaml(name, customers, shape), "width.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var topics = EmbeddedTopicProvisioner.Made(GraphTopics.For(graph, new TopicNames("minemeld", name)));
        var partitionCount = topics.Sum(static t => t.Partitions);
        Console.WriteLine($"state store: {store.Description}; layout: {layout}; parked idle partitions: {(park ? "on" : "off")}; {customers:N0} customers, {graph.Nodes.Count:N0} nodes, {topics.Count:N0} topics of {partitionCount:N0} partitions");

        // The lists are filled before the start (not timed): what a restarted provider's Redis holds.
        var premium = new List<string>();
        for (var s = 0; s < SourceLists; s++)
        {
            var entries = Enumerable.Range(0, PerSource).Select(i => $"10.{s}.{i}.1").ToList();
            premium.AddRange(entries);
            await new LocalListStore(store, name, $"source{s}", "IPv4").UpsertAsync([.. entries.Select(static e => (e, new JsonObject()))], replaceAll: true, cancellationToken);
        }

        var expected = new Dictionary<int, HashSet<string>>();
        for (var c = 0; c < customers; c++)
        {
            var own = Enumerable.Range(0, PerCustomer).Select(i => CustomerAddress(c, 2 * i)).ToList();
            await new LocalListStore(store, name, $"bucket{c}", "IPv4").UpsertAsync([.. own.Select(static e => (e, new JsonObject()))], replaceAll: true, cancellationToken);
            expected[c] = [.. premium.Concat(own).Select(static a => $"{a}-{a}")];
        }

        using var loggers = LoggerFactory.Create(static b => b.AddSimpleConsole(static o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = broker.BootstrapServers,
            Assignor = "range",
            SessionTimeoutMs = 10_000,
            Layout = layout,
            ParkIdlePartitions = park,
            Librdkafka = settings,
        });
        var factory = new KafkaClientFactory(options, loggers.CreateLogger<KafkaClientFactory>());
        using var publisher = new MessagePublisher(factory);
        var roles = new HashSet<NodeKind> { NodeKind.Miner, NodeKind.Processor, NodeKind.Output };
        var names = new TopicNames("minemeld", name);
        var timeoutsBefore = PipelineMetrics.ProduceTimeouts.Value;
        var restartsBefore = Restarts();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        await using var runtime = new GraphRuntime(graph, roles, names, factory, publisher, store,
            new EmbeddedTopicProvisioner(broker), options, new MinerRunOptions(), loggers, TimeProvider.System);

        var clock = Stopwatch.StartNew();
        await runtime.StartAsync(cancellationToken);
        Console.WriteLine($"started {runtime.ConsumeLoops:N0} consume loops and {runtime.Miners.Count:N0} miners in {clock.Elapsed.TotalSeconds:F2} s (topics created, consumers subscribed)");
        var incomplete = Enumerable.Range(0, customers).ToHashSet();
        var lastReport = 0L;
        while (incomplete.Count > 0)
        {
            foreach (var c in incomplete.ToList())
            {
                if (await store.Feed(name, $"customer{c}Feed").CountAsync(cancellationToken) >= expected[c].Count)
                {
                    incomplete.Remove(c);
                }
            }

            if (clock.ElapsedMilliseconds - lastReport > 5000)
            {
                lastReport = clock.ElapsedMilliseconds;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s: {customers - incomplete.Count:N0} of {customers:N0} customer feeds complete");
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(15))
            {
                Console.Error.WriteLine($"FAILED after {clock.Elapsed.TotalSeconds:F0} s: {incomplete.Count:N0} customer feeds incomplete; {runtime.Consumers.Count(static c => c.FatalError is not null):N0} nodes failing");
                return 1;
            }

            await Task.Delay(incomplete.Count > 0 ? 50 : 0, cancellationToken);
        }

        var complete = clock.Elapsed;
        Console.WriteLine($"every customer feed complete {complete.TotalSeconds:F2} s after start");

        var reader = store.FeedReader(name, new FeedReadOptions(AtomicReadLimit: int.MaxValue, SnapshotTtlSeconds: 60));
        var wrong = 0;
        for (var c = 0; c < customers; c++)
        {
            var snapshot = await reader.OpenSnapshotAsync($"customer{c}Feed", withValues: false, cancellationToken);
            var actual = (await snapshot.ReadAsync(0, (int)snapshot.Count, descending: false, cancellationToken)).Select(static e => e.Indicator).ToHashSet(StringComparer.Ordinal);
            wrong += actual.SetEquals(expected[c]) ? 0 : 1;
        }

        Console.WriteLine($"feed check: {(wrong == 0 ? $"all {customers:N0} customer feeds hold exactly their {PerSource * SourceLists + PerCustomer} expected indicators" : $"MISMATCH in {wrong:N0} customer feeds")}");

        // Idle: let the start settle (status writes, commits), then measure 10 s of nothing happening.
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var idle = Stopwatch.StartNew();
        await Task.Delay(IdleWindow, cancellationToken);
        process.Refresh();
        var idleCpu = (process.TotalProcessorTime - cpuBefore) / idle.Elapsed;
        Console.WriteLine($"process: {process.Threads.Count:N0} threads ({threadsBefore:N0} before the graph started), RSS {process.WorkingSet64 / (1 << 20):N0} MiB, managed heap {GC.GetTotalMemory(false) / (1 << 20):N0} MiB");
        var parked = runtime.RoleLoops.Sum(static l => l.ParkedPartitions);
        Console.WriteLine($"idle CPU over {IdleWindow.TotalSeconds:F0} s: {idleCpu * 100:F2}% of one core; partitions parked by the consume loops: {parked:N0} (a partition two loops read counts twice; the graph's topics have {partitionCount:N0})");

        // Edits: one new indicator in a random customer's list, then wait until that customer's feed shows it.
        var random = new Random(42);
        var latencies = new List<double>(Edits);
        for (var e = 0; e < Edits; e++)
        {
            var c = random.Next(customers);
            var address = $"200.{e / 256 % 256}.{e % 256}.1";
            var feed = store.Feed(name, $"customer{c}Feed");
            var list = new LocalListStore(store, name, $"bucket{c}", "IPv4");
            var edit = Stopwatch.StartNew();
            await list.UpsertAsync([(address, new JsonObject())], replaceAll: false, cancellationToken);
            await list.HupAsync(cancellationToken);
            while (!(await feed.ProbeAsync([$"{address}-{address}"], cancellationToken)).Members.Contains($"{address}-{address}"))
            {
                if (edit.Elapsed > TimeSpan.FromSeconds(60))
                {
                    Console.Error.WriteLine($"FAILED: edit {e} ({address} into bucket{c}) not in customer{c}Feed after 60 s");
                    return 1;
                }

                await Task.Delay(2, cancellationToken);
            }

            latencies.Add(edit.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        Console.WriteLine($"{Edits} list edits → customer feed: p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms");
        var timeouts = PipelineMetrics.ProduceTimeouts.Value - timeoutsBefore;
        var restarts = Restarts() - restartsBefore;
        Console.WriteLine($"produce timeouts: {timeouts:N0}; consume-loop restarts: {restarts:N0}; nodes failed: {runtime.Consumers.Count(static c => c.FatalError is not null):N0}");
        await runtime.StopAsync(cancellationToken);
        return wrong == 0 && timeouts == 0 && restarts == 0 ? 0 : 1;
    }

    /// <summary>
    /// The graph: sources → base and premium offerings; per customer a list, an inbound aggregator and a feed.
    /// </summary>
    internal static string Yaml(string name, int customers, Shape? shape = null)
    {
        var table = shape?.TableTopics == false ? ", config: {table_topic: false}" : string.Empty;
        var yaml = new StringBuilder();
        yaml.AppendLine($"name: {name}").AppendLine("nodes:");
        var sources = string.Join(", ", Enumerable.Range(0, SourceLists).Select(static s => $"source{s}"));
        for (var s = 0; s < SourceLists; s++)
        {
            yaml.AppendLine($"  source{s}: {{prototype: stdlib.listIPv4Generic, output: true, config: {{attributes: {{confidence: 100, share_level: green}}}}}}");
        }

        yaml.AppendLine($"  myBaseOffering: {{prototype: stdlib.aggregatorIPv4Generic, inputs: [{sources}], output: true}}")
            .AppendLine($"  freeBaseOffering: {{prototype: stdlib.feedHCGreen, inputs: [myBaseOffering]{table}}}")
            .AppendLine($"  myPremiumOffering: {{prototype: stdlib.aggregatorIPv4Generic, inputs: [{sources}], output: true}}")
            .AppendLine($"  premiumOffering: {{prototype: stdlib.feedHCGreen, inputs: [myPremiumOffering]{table}}}");
        var p = shape?.Partitions is { } count ? $", partitions: {count}" : string.Empty;
        for (var c = 0; c < customers; c++)
        {
            yaml.AppendLine($"  bucket{c}: {{prototype: stdlib.listIPv4Generic, output: true{p}}}")
                .AppendLine($"  customer{c}: {{prototype: stdlib.aggregatorIPv4Inbound, inputs: [myPremiumOffering, bucket{c}], output: true{p}}}")
                .AppendLine($"  customer{c}Feed: {{prototype: stdlib.feedHCWithValue, inputs: [customer{c}]{p}{table}}}");
        }

        return yaml.ToString();
    }

    /// <summary>
    /// Customer <paramref name="c"/>'s <paramref name="i"/>th address: 100.0.0.0/8 split per customer, never adjacent
    /// to another.
    /// </summary>
    private static string CustomerAddress(int c, int i) => $"{100 + (c / 65_536)}.{c / 256 % 256}.{c % 256}.{1 + i}";

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Restarts() => PipelineMetrics.LoopRestarts.GetAllLabelValues().Sum(static l => PipelineMetrics.LoopRestarts.WithLabels(l).Value);
}
