using Minemeld.Streams.Hosting.Nodes.Miners;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Metrics;
using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld bench pipeline [--redis HOST:PORT] [--count N] [--runs R]</c>: N synthetic IPv4 indicators from one
/// miner (a local list) through an IPv4 range aggregator into a feed, on the embedded broker and a real Redis (or the
/// in-memory store without <c>--redis</c>, to see what Redis costs); prints indicators per second end to end next to
/// raw Confluent.Kafka produce+consume on the same broker, and checks that the feed holds exactly the expected
/// indicators. With several runs (each with its own baseline and graph) it ends with their median: a host whose
/// speed drifts between runs is read from the middle, not from one draw.
/// </summary>
internal static class BenchCommand
{
    private const int Partitions = 32;

    public static Command Create()
    {
        var redis = new Option<string?>("--redis") { Description = "Redis to use (host:port); the benchmark writes keys under mm:bench-* and deletes them. Without it: the in-memory store." };
        var count = new Option<int>("--count") { Description = "Indicators to push.", DefaultValueFactory = static _ => 1_000_000 };
        var loops = new Option<int>("--consumers") { Description = "Consume loops per subscription (Kafka:ConsumersPerSubscription).", DefaultValueFactory = static _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Runs, each with its own raw baseline; more than one ends with their median.", DefaultValueFactory = static _ => 1 };
        runs.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--runs must be at least 1");
            }
        });
        var layout = new Option<string>("--layout") { Description = "Kafka:Layout: role (one consumer group per role) or node (one per node).", DefaultValueFactory = static _ => "role" };
        layout.AcceptOnlyFromAmong("role", "node");
        var park = new Option<bool>("--park") { Description = "Kafka:ParkIdlePartitions, which minemeld run turns on with the embedded broker (--park false: off).", DefaultValueFactory = static _ => true };
        var values = new Option<bool>("--values") { Description = "The feed stores values (stdlib.feedHCGreenWithValue, each written as MineMeld wrote it) instead of members only." };
        var table = new Option<bool>("--table-topic") { Description = "The feed mirrors itself on its table topic, as feeds do by default (--table-topic false: off).", DefaultValueFactory = static _ => true };
        var pipeline = new Command("pipeline", "End-to-end throughput: miner → IPv4 aggregator → feed.") { redis, count, loops, runs, layout, park, values, table };
        pipeline.SetAction((parse, token) => RunAsync(parse.GetValue(redis), parse.GetValue(count), parse.GetValue(loops), parse.GetValue(runs), parse.GetValue(layout)!, parse.GetValue(park), new FeedShape(parse.GetValue(values), parse.GetValue(table)), token));
        return new Command("bench", "Benchmarks that print their figures.") { pipeline, FeedBenchmark.Create(), WidthBenchmark.Create(), FaultBenchmark.Create(), StreamizBenchmark.Create() };
    }

    /// <summary>
    /// What the bench's feed keeps: values or members only, and whether it mirrors itself on its table topic.
    /// </summary>
    private sealed record FeedShape(bool Values, bool TableTopic);

    private static async Task<int> RunAsync(string? redisEndpoint, int count, int consumers, int runs, string layout, bool park, FeedShape feed, CancellationToken cancellationToken)
    {
        using var broker = EmbeddedKafkaBroker.Start();
        await using var redis = redisEndpoint is null ? null : await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
        IStateStore store = redis is null ? new MemoryStateStore() : new RedisStateStore(redis);
        Console.WriteLine($"state store: {store.Description}");
        var results = new List<RunResult>();
        for (var run = 1; run <= runs; run++)
        {
            if (runs > 1)
            {
                Console.WriteLine($"run {run} of {runs}");
            }

            if (run > 1)
            {
                // Each run starts from a collected heap: the previous run's graph and state are garbage, not left for
                // this run's collections to trace or to carry (the third of three runs ended with a 1.5 GiB heap).
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            var result = await RunOnceAsync(broker, redis, store, count, consumers, layout, park, feed, $"bench-{DateTime.UtcNow:HHmmss}-{Environment.ProcessId}-{run}", cancellationToken);
            if (result is null)
            {
                return 1;
            }

            results.Add(result);
        }

        if (runs > 1)
        {
            var seconds = results.Select(static r => r.Elapsed.TotalSeconds).Order().ToList();
            var ratios = results.Select(r => r.Ratio * 100).Order().ToList();
            Console.WriteLine($"median of {runs} runs: {Median(seconds):F2} s = {count / Median(seconds):N0} indicators/s end to end, {Median(ratios):F1}% of raw " +
                $"(runs: {string.Join(", ", results.Select(static r => $"{r.Elapsed.TotalSeconds:F2} s / {r.Ratio * 100:F1}%"))})");
        }

        return results.All(static r => r.Exact) ? 0 : 1;
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>
    /// One run: its baseline, the list loaded, the pipeline timed; null when it failed (said on stderr).
    /// </summary>
    private static async Task<RunResult?> RunOnceAsync(EmbeddedKafkaBroker broker, IConnectionMultiplexer? redis, IStateStore store, int count, int consumers, string layout, bool park, FeedShape shape, string name, CancellationToken cancellationToken)
    {
        var addresses = Enumerable.Range(0, count).Select(static i => ((uint)i * 4096u) + 1u).ToArray();

        // Baseline: raw produce + consume of messages of the same size, on the same broker, in this run.
        var sample = IndicatorMessageSerializer.Serialize(Message("1.2.3.4", name));
        var raw = await RawThroughputAsync(broker, count, sample, cancellationToken);
        Console.WriteLine($"raw Confluent.Kafka produce+consume: {count:N0} messages of {sample.Length} bytes in {raw.TotalSeconds:F2} s = {count / raw.TotalSeconds:N0} msg/s");

        // The graph: one list miner → aggregatorIPv4Generic → feedHCGreen.
        var yaml = string.Join('\n',
            $"name: {name}",
            $"partitions: {Partitions}",
            "nodes:",
            "  synthetic: {prototype: stdlib.listIPv4Generic, output: true, config: {attributes: {confidence: 100, share_level: green}}}",
            "  aggregate: {prototype: stdlib.aggregatorIPv4Generic, inputs: [synthetic], output: true}",
            $"  feed: {{prototype: stdlib.{(shape.Values ? "feedHCGreenWithValue" : "feedHCGreen")}, inputs: [aggregate], config: {{table_topic: {(shape.TableTopic ? "true" : "false")}}}}}");
        var graph = GraphLoader.Parse(yaml, "bench.yml", name, PrototypeLibrary.BuiltIn).Graph!;
        var list = new LocalListStore(store, name, "synthetic", "IPv4");
        var load = Stopwatch.StartNew();
        await list.UpsertAsync([.. addresses.Select(static a => (IPv4Family.Format(a), new JsonObject()))], replaceAll: true, cancellationToken);
        Console.WriteLine($"loaded the local list ({count:N0} entries) in {load.Elapsed.TotalSeconds:F2} s (not timed below)");

        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = broker.BootstrapServers, Assignor = "range", SessionTimeoutMs = 6000, ConsumersPerSubscription = consumers, Layout = layout, ParkIdlePartitions = park });
        var factory = new KafkaClientFactory(options, NullLogger<KafkaClientFactory>.Instance);
        using var publisher = new MessagePublisher(factory);
        var roles = new HashSet<NodeKind> { NodeKind.Miner, NodeKind.Processor, NodeKind.Output };
        var names = new TopicNames("minemeld", name);
        await using var runtime = new GraphRuntime(graph, roles, names, factory, publisher, store,
            new EmbeddedTopicProvisioner(broker), options, new MinerRunOptions(), NullLoggerFactory.Instance, TimeProvider.System);
        var feed = store.Feed(name, "feed");
        var pausedBefore = GC.GetTotalPauseDuration();
        var collections = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var before = Progress.Of(names);
        var clock = Stopwatch.StartNew();
        await runtime.StartAsync(cancellationToken);
        var lastReport = 0L;
        while (await feed.CountAsync(cancellationToken) < count)
        {
            if (clock.ElapsedMilliseconds - lastReport > 2000)
            {
                lastReport = clock.ElapsedMilliseconds;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s: {Progress.Of(names) - before}, feed holds {await feed.CountAsync(cancellationToken):N0}");
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(10) || runtime.Consumers.Any(static c => c.FatalError is not null))
            {
                Console.Error.WriteLine($"FAILED: feed holds {await feed.CountAsync(cancellationToken):N0} of {count:N0}; {string.Join("; ", runtime.Consumers.Select(static c => c.FatalError).OfType<string>())}");
                return null;
            }

            await Task.Delay(20, cancellationToken);
        }

        var elapsed = clock.Elapsed;
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        await runtime.StopAsync(cancellationToken);
        var expected = addresses.Select(static a => $"{IPv4Family.Format(a)}-{IPv4Family.Format(a)}").ToHashSet(StringComparer.Ordinal);
        var snapshot = await store.FeedReader(name, new FeedReadOptions(AtomicReadLimit: int.MaxValue, SnapshotTtlSeconds: 60)).OpenSnapshotAsync("feed", withValues: false, cancellationToken);
        var actual = (await snapshot.ReadAsync(0, (int)snapshot.Count, descending: false, cancellationToken)).Select(static e => e.Indicator).ToHashSet(StringComparer.Ordinal);
        var exact = actual.SetEquals(expected);
        var rate = count / elapsed.TotalSeconds;
        var rawRate = count / raw.TotalSeconds;
        Console.WriteLine($"pipeline: {count:N0} indicators miner → aggregator → feed in {elapsed.TotalSeconds:F2} s = {rate:N0} indicators/s end to end");
        Console.WriteLine($"ratio to raw single-hop produce+consume: {rate / rawRate * 100:F1}%");
        Console.WriteLine($"garbage collections meanwhile: gen0 {GC.CollectionCount(0) - collections[0]}, gen1 {GC.CollectionCount(1) - collections[1]}, gen2 {GC.CollectionCount(2) - collections[2]}; paused {paused.TotalSeconds:F2} s ({paused / elapsed * 100:F0}% of the run); heap {GC.GetTotalMemory(false) / (1 << 20):N0} MiB; allocated {allocated / (double)(1 << 30):F2} GiB ({allocated / count:N0} bytes per indicator)");
        Console.WriteLine($"CPU time of this process meanwhile: {cpu.TotalSeconds:F2} s ({cpu / elapsed:F2} of {Environment.ProcessorCount} cores); the state store's server runs beside it");
        Console.WriteLine($"feed check: {(exact ? "exactly the expected indicators, nothing lost or extra" : $"MISMATCH: {actual.Count:N0} members, {expected.Except(actual).Count():N0} missing, {actual.Except(expected).Count():N0} unexpected")}");
        if (redis is not null)
        {
            await CleanupAsync(redis, name);
        }

        return new RunResult(elapsed, rate / rawRate, exact);
    }

    private static IndicatorMessage Message(string indicator, string origin) => new()
    {
        Op = MessageOp.Update,
        Indicator = $"{indicator}-{indicator}",
        Type = "IPv4",
        Origin = origin,
        Value = new JsonObject { ["type"] = "IPv4", ["confidence"] = 100, ["share_level"] = "green", ["sources"] = new JsonArray("synthetic"), ["first_seen"] = 1_763_805_600_000, ["last_seen"] = 1_763_805_600_000 },
        Timestamp = DateTimeOffset.UtcNow,
    };

    private static async Task<TimeSpan> RawThroughputAsync(EmbeddedKafkaBroker broker, int count, byte[] value, CancellationToken cancellationToken)
    {
        var topic = $"bench-raw-{Guid.NewGuid():N}";
        broker.CreateTopic(topic, Partitions);
        var clock = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
            QueueBufferingMaxMessages = 500_000,
        }).Build())
        {
            for (var i = 0; i < count; i++)
            {
                ProduceWaitingForRoom(producer, topic, new Message<string, byte[]> { Key = i.ToString(CultureInfo.InvariantCulture), Value = value });
            }

            producer.Flush(cancellationToken);
        }

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = topic,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            EnableAutoOffsetStore = false,
        }).Build();
        consumer.Subscribe(topic);
        var read = 0;
        while (read < count && !cancellationToken.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(10)) is not null)
            {
                read++;
            }
        }

        consumer.Close();
        return clock.Elapsed;
    }

    /// <summary>
    /// Produces one message, letting the producer drain its queue while it is full (the benchmarks' raw loads).
    /// </summary>
    internal static void ProduceWaitingForRoom(IProducer<string, byte[]> producer, string topic, Message<string, byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    /// <summary>Deletes every key a benchmark wrote under its graph name.</summary>
    internal static async Task CleanupAsync(IConnectionMultiplexer redis, string graph)
    {
        var server = redis.GetServers()[0];
        await foreach (var key in server.KeysAsync(pattern: $"mm:{graph}:*"))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
        }
    }

    private sealed record RunResult(TimeSpan Elapsed, double Ratio, bool Exact);

    /// <summary>
    /// Messages each stage has handled: where the pipeline spends its time. The counters are the process's, so a run
    /// reports what changed since it started.
    /// </summary>
    private readonly record struct Progress(double Sent, double Aggregated, double Forwarded, double Fed)
    {
        public static Progress Of(TopicNames names) => new(
            PipelineMetrics.Published.WithLabels("synthetic", "update").Value,
            Consumed("aggregate", names.Edge("synthetic")),
            Consumed("aggregate", names.Repartition("aggregate")),
            Consumed("feed", names.Edge("aggregate")));

        public static Progress operator -(Progress a, Progress b) => new(a.Sent - b.Sent, a.Aggregated - b.Aggregated, a.Forwarded - b.Forwarded, a.Fed - b.Fed);

        public override string ToString() => $"miner sent {Sent:N0}, aggregator read {Aggregated:N0} (+{Forwarded:N0} forwarded), feed read {Fed:N0}";

        private static double Consumed(string node, string topic) => PipelineMetrics.Consumed.WithLabels(node, topic).Value;
    }
}
