using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using StackExchange.Redis;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld bench faults</c>: the engine under faults, checked against an oracle after every one. A source of
/// <c>--count</c> IPv4 indicators (file miner, polled every 2 s) and a whitelist that cuts holes in it go through an
/// IPv4 range aggregator into a feed. The graph runs as child <c>minemeld run</c> processes on a real
/// <c>redis-server</c> (AOF, fsync on every write) and the embedded broker, both hosted here so that they outlive the
/// children. Each round publishes a new version of both sources (the first round the whole load, then about a third
/// added and a third withdrawn), injects one fault at a random point of the load, and waits until the feed equals the
/// oracle (the range pieces computed independently from the version) and the aggregator stores exactly the live rows:
/// nothing lost, nothing spurious, nothing doubled. Faults, in this order:
/// <list type="bullet">
/// <item>kill -9 of the one process running the whole graph, restarted at once (<c>--kills</c> rounds);</item>
/// <item>kill -9 of one of three role processes (miner; processor; output and feed server) at random, restarted at
/// once (<c>--kills</c> rounds);</item>
/// <item>kill -9 of redis-server, restarted after 1-3 s (<c>--redis-restarts</c> rounds, role processes);</item>
/// <item>the broker set down for 2-8 s through the mock cluster's API (<c>--broker-outages</c> rounds).</item>
/// </list>
/// Prints a line per round and the counts; exits 1 when any round's feed did not reach the oracle in time.
/// </summary>
internal static class FaultBenchmark
{
    private const string Graph = "faults";

    /// <summary>The /8 blocks the indicators are drawn from (11.0.0.0/8 to 18.0.0.0/8).</summary>
    private const int FirstBlock = 11;

    private const int Blocks = 8;

    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Indicators in each version of the source.", DefaultValueFactory = static _ => 100_000 };
        var kills = new Option<int>("--kills") { Description = "kill -9 rounds, for the whole-graph process and again for the role processes.", DefaultValueFactory = static _ => 20 };
        var redisRestarts = new Option<int>("--redis-restarts") { Description = "Rounds in which redis-server is killed and restarted.", DefaultValueFactory = static _ => 5 };
        var outages = new Option<int>("--broker-outages") { Description = "Rounds in which the broker is set down and up again.", DefaultValueFactory = static _ => 5 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the data and of the fault points (default: random, printed)." };
        var redisServer = new Option<string>("--redis-server") { Description = "The redis-server executable.", DefaultValueFactory = static _ => "redis-server" };
        var childLog = new Option<string?>("--child-log-level") { Description = "Log level of the child processes (their whole output is kept in the bench's directory when a round fails)." };
        var timeout = new Option<int>("--round-timeout") { Description = "Seconds a round may take to reach the oracle after its fault.", DefaultValueFactory = static _ => 180 };
        var command = new Command("faults", "Kill -9, Redis restarts and broker outages under load; the feed is checked against an oracle after each.")
        {
            count, kills, redisRestarts, outages, seed, redisServer, timeout, childLog,
        };
        command.SetAction((parse, token) =>
        {
            Child.LogLevel = parse.GetValue(childLog);
            return RunAsync(
            new Settings(
                parse.GetValue(count),
                parse.GetValue(kills),
                parse.GetValue(redisRestarts),
                parse.GetValue(outages),
                parse.GetValue(seed) ?? Environment.TickCount & 0x7FFFFFFF,
                parse.GetValue(redisServer)!,
                TimeSpan.FromSeconds(parse.GetValue(timeout))),
            token);
        });
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("minemeld-faults-").FullName;
        using var redisServer = new RedisServer(settings.RedisServer, Path.Combine(directory, "redis"));
        using var broker = EmbeddedKafkaBroker.Start();
        var children = new List<Child>();
        var keep = false;
        try
        {
            await redisServer.StartAsync(cancellationToken);
            await using var redis = await ConnectionMultiplexer.ConnectAsync($"{redisServer.Endpoint},abortConnect=false,connectTimeout=2000,syncTimeout=5000");
            var graphFile = Path.Combine(directory, "faults.yml");
            await File.WriteAllTextAsync(graphFile, GraphYaml(), cancellationToken);
            var graph = GraphLoader.LoadFile(graphFile, PrototypeLibrary.BuiltIn).Graph ?? throw new InvalidOperationException("the benchmark's graph is invalid");
            broker.CreateTopics(EmbeddedTopicProvisioner.Made(GraphTopics.For(graph, new TopicNames("minemeld", graph.Name))));

            var random = new Random(settings.Seed);
            var source = Universe.Sources(settings.Count * 3 / 2, random);
            var bench = new Bench(settings, directory, broker, redisServer, redis, source, random, children);
            Console.WriteLine($"faults: seed {settings.Seed}; source {settings.Count:N0} indicators a version (of {source.Rows.Length:N0}), whitelist {source.Whitelist.Length:N0}; "
                + $"redis-server {redisServer.Endpoint} (AOF, appendfsync always); embedded broker {broker.BootstrapServers}; miners poll every 2 s, lease 15 s");

            // The whole graph in one process: the load starts, then the process is killed at a random point of it.
            children.Add(bench.StartChild("all", "miner,processor,output,feeds"));
            await bench.RoundAsync("load", null, TimeSpan.Zero, cancellationToken);
            var window = await bench.WindowAsync(cancellationToken);
            for (var i = 0; i < settings.Kills; i++)
            {
                await bench.RoundAsync("kill -9", new Fault.Kill(children[0]), window, cancellationToken);
            }

            // The same graph as three role processes, as compose runs it.
            children[0].Kill();
            children.Clear();
            children.Add(bench.StartChild("miner", "miner"));
            children.Add(bench.StartChild("processor", "processor"));
            children.Add(bench.StartChild("output", "output,feeds"));
            await bench.RoundAsync("roles", null, TimeSpan.Zero, cancellationToken);
            window = await bench.WindowAsync(cancellationToken);
            for (var i = 0; i < settings.Kills; i++)
            {
                await bench.RoundAsync("kill -9", new Fault.Kill(children[random.Next(children.Count)]), window, cancellationToken);
            }

            for (var i = 0; i < settings.RedisRestarts; i++)
            {
                await bench.RoundAsync("redis", new Fault.RedisRestart(TimeSpan.FromSeconds(1 + (2 * random.NextDouble()))), window, cancellationToken);
            }

            for (var i = 0; i < settings.BrokerOutages; i++)
            {
                await bench.RoundAsync("broker", new Fault.BrokerOutage(TimeSpan.FromSeconds(2 + (6 * random.NextDouble()))), window, cancellationToken);
            }

            keep = bench.Failed;
            return bench.Report();
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync($"minemeld bench faults: {ex.Message}");
            return 2;
        }
        finally
        {
            foreach (var child in children)
            {
                child.Kill();
            }

            redisServer.Kill();
            try
            {
                if (!keep)
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (IOException)
            {
                // a child's file still open: the temporary directory stays
            }
        }
    }

    private static string GraphYaml() => $"""
        # minemeld bench faults: a source and a whitelist (file miners) into an IPv4 range aggregator and a feed.
        name: {Graph}
        nodes:
          source:
            prototype: spamhaus.DROP
            output: true
            config: {"{"}url: "file:source.txt", interval: 2{"}"}
          wlSource:
            prototype: spamhaus.EDROP
            output: true
            config: {"{"}url: "file:whitelist.txt", interval: 2{"}"}
          aggregate:
            prototype: stdlib.aggregatorIPv4Generic
            inputs: [source, wlSource]
            output: true
          feed:
            prototype: stdlib.feedHCGreen
            inputs: [aggregate]
        """;

    /// <summary>Seconds since the start, as the round lines print them.</summary>
    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Settings(int Count, int Kills, int RedisRestarts, int BrokerOutages, int Seed, string RedisServer, TimeSpan RoundTimeout);

    /// <summary>One fault of a round.</summary>
    private abstract record Fault
    {
        public sealed record Kill(Child Target) : Fault;

        public sealed record RedisRestart(TimeSpan Down) : Fault;

        public sealed record BrokerOutage(TimeSpan Down) : Fault;
    }

    /// <summary>The rounds, their checks and their counts.</summary>
    private sealed class Bench(Settings settings, string directory, EmbeddedKafkaBroker broker, RedisServer redisServer, ConnectionMultiplexer redis, Universe source, Random random, List<Child> children)
    {
        private readonly List<(string Kind, string Target, bool MidLoad, bool Equal, TimeSpan Recovery)> _rounds = [];

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        private int _round;

        /// <summary>A round ended with the feed different from the oracle; the later rounds are not run.</summary>
        public bool Failed { get; private set; }

        /// <summary>
        /// A round without a fault measures how long a version takes to reach the feed here; faults fall at random
        /// points within the first four fifths of that, so that nearly all of them hit a load in progress.
        /// </summary>
        public async Task<TimeSpan> WindowAsync(CancellationToken cancellationToken)
        {
            var load = await RoundAsync("measure", null, TimeSpan.Zero, cancellationToken);
            Console.WriteLine($"  a version's load takes {Seconds(load)} s without a fault; faults fall at random points of its first {Seconds(load * 0.8)} s");
            return load * 0.8;
        }

        public Child StartChild(string name, string roles) => Child.Start(name, roles, Path.Combine(directory, "faults.yml"), broker.BootstrapServers, redisServer.Endpoint, FreePort());

        /// <summary>The round a child's log lines belong to.</summary>
        public static int CurrentRound { get; private set; }

        /// <summary>
        /// Writes the next version of the sources, injects the fault at a random point within <paramref name="window"/>
        /// and waits for the oracle. Returns how long the round took from the new version to the oracle.
        /// </summary>
        public async Task<TimeSpan> RoundAsync(string kind, Fault? fault, TimeSpan window, CancellationToken cancellationToken)
        {
            if (Failed)
            {
                return TimeSpan.Zero; // the state is wrong from here on: the rounds after a failed one prove nothing
            }

            _round++;
            CurrentRound = _round;
            var (rows, whitelist) = source.Version(_round == 1 ? 1.0 : 2.0 / 3, random);
            var expected = Oracle.Pieces(rows.Select(i => source.Rows[i].Range), whitelist.Select(i => source.Whitelist[i].Range));
            var liveRows = rows.Count + whitelist.Count;
            await WriteAtomicallyAsync(Path.Combine(directory, "source.txt"), rows.Select(i => source.Rows[i].Text), cancellationToken);
            await WriteAtomicallyAsync(Path.Combine(directory, "whitelist.txt"), whitelist.Select(i => source.Whitelist[i].Text), cancellationToken);
            var start = _clock.Elapsed;
            var target = string.Empty;
            var at = TimeSpan.Zero;
            var midLoad = false;
            if (fault is not null)
            {
                // The fault point is drawn, not a condition waited for: the load runs on while this waits.
                at = window * random.NextDouble();
                await Task.Delay(at, cancellationToken);
                midLoad = !(await CompareAsync(expected, liveRows)).Equal;
                target = await InjectAsync(fault, cancellationToken);
            }

            var faulted = _clock.Elapsed;
            var (equal, missing, spurious, stored) = await WaitForOracleAsync(expected, liveRows, cancellationToken);
            var recovery = _clock.Elapsed - faulted;
            _rounds.Add((kind, target, midLoad, equal, recovery));
            var what = fault is null ? $"{kind}, no fault" : $"{kind} {target} {Seconds(at)} s into the load{(midLoad ? string.Empty : " (after it had reached the feed)")}";
            Console.WriteLine(equal
                ? $"  round {_round,2}: {what}; feed = oracle ({expected.Count:N0} pieces, {liveRows:N0} rows) {Seconds(recovery)} s later"
                : $"  round {_round,2}: {what}; FEED != ORACLE after {Seconds(recovery)} s: {missing:N0} pieces missing, {spurious:N0} spurious; aggregator stores {stored:N0} rows, {liveRows:N0} live");
            if (!equal)
            {
                Failed = true;
                foreach (var child in children)
                {
                    child.PrintTail();
                }

                Console.WriteLine($"  the children's whole output and the graph's files stay in {directory}");

                await DiagnoseAsync(
                    rows.Select(i => source.Rows[i].Indicator).ToHashSet(StringComparer.Ordinal),
                    whitelist.Select(i => source.Whitelist[i].Indicator).ToHashSet(StringComparer.Ordinal));
            }

            return _clock.Elapsed - start;
        }

        public int Report()
        {
            Console.WriteLine();
            foreach (var group in _rounds.Where(static r => r.Target.Length > 0).GroupBy(static r => r.Kind))
            {
                var recoveries = group.Select(static r => r.Recovery.TotalSeconds).Order().ToList();
                // What was hit: the process, or the server with how long it was down.
                var targets = string.Join(", ", group.GroupBy(static r => r.Target.Split(" down ")[0]).OrderBy(static g => g.Key, StringComparer.Ordinal)
                    .Select(static g => g.First().Target.Contains(" down ", StringComparison.Ordinal) ? $"{g.Key} {g.Count()}, down {DownRange(g)}" : $"{g.Key} {g.Count()}"));
                Console.WriteLine($"{group.Key,-8} {group.Count(),3} faults ({targets}), {group.Count(static r => r.MidLoad)} mid-load: {group.Count(static r => r.Equal)} with feed = oracle; "
                    + $"fault to oracle median {recoveries[recoveries.Count / 2]:F1} s, max {recoveries[^1]:F1} s");
            }

            var failed = _rounds.Count(static r => !r.Equal);
            Console.WriteLine($"faults: {_rounds.Count(static r => r.Target.Length > 0)} faults in {_rounds.Count} rounds; {_rounds.Count - failed} of {_rounds.Count} rounds ended with feed = oracle, {failed} did not"
                + (failed > 0 ? " (the rounds after it were not run)" : string.Empty));
            return failed == 0 ? 0 : 1;
        }

        /// <summary>
        /// The shortest and longest outage of a group of rounds, from their targets (<c>… down 2.7 s</c>).
        /// </summary>
        private static string DownRange(IEnumerable<(string Kind, string Target, bool MidLoad, bool Equal, TimeSpan Recovery)> rounds)
        {
            var downs = rounds.Select(static r => double.Parse(r.Target.Split(" down ")[1].TrimEnd(' ', 's'), CultureInfo.InvariantCulture)).Order().ToList();
            return $"{downs[0].ToString("F1", CultureInfo.InvariantCulture)}-{downs[^1].ToString("F1", CultureInfo.InvariantCulture)} s";
        }

        private async Task<string> InjectAsync(Fault fault, CancellationToken cancellationToken)
        {
            switch (fault)
            {
                case Fault.Kill kill:
                    var index = children.IndexOf(kill.Target);
                    kill.Target.Kill();
                    children[index] = kill.Target.Restart(FreePort());
                    return kill.Target.Name;
                case Fault.RedisRestart restart:
                    redisServer.Kill();
                    await Task.Delay(restart.Down, cancellationToken);
                    await redisServer.StartAsync(cancellationToken);
                    return $"redis-server down {Seconds(restart.Down)} s";
                case Fault.BrokerOutage outage:
                    broker.SetBrokerDown();
                    await Task.Delay(outage.Down, cancellationToken);
                    broker.SetBrokerUp();
                    return $"broker down {Seconds(outage.Down)} s";
                default:
                    throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown fault");
            }
        }

        /// <summary>Polls the feed and the aggregator's rows until they match or the round's time is up.</summary>
        private async Task<(bool Equal, int Missing, int Spurious, long Stored)> WaitForOracleAsync(HashSet<string> expected, long liveRows, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            var members = RedisKeys.FeedMembers(Graph, "feed");
            while (true)
            {
                // The length first: the whole feed is fetched only when it can be equal (or to report a timeout).
                var late = deadline.Elapsed > settings.RoundTimeout;
                if (late || await LengthAsync(members) == expected.Count)
                {
                    var result = await CompareAsync(expected, liveRows);
                    if (result.Equal || late)
                    {
                        return result;
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }

        private async Task<long> LengthAsync(string members)
        {
            try
            {
                return await redis.GetDatabase().SortedSetLengthAsync(members);
            }
            catch (RedisException)
            {
                return -1; // redis-server is being restarted
            }
        }

        /// <summary>
        /// The feed's members against the oracle, and the aggregator's stored rows against the live rows.
        /// </summary>
        private async Task<(bool Equal, int Missing, int Spurious, long Stored)> CompareAsync(HashSet<string> expected, long liveRows)
        {
            var db = redis.GetDatabase();
            try
            {
                var actual = (await db.SortedSetRangeByRankAsync(RedisKeys.FeedMembers(Graph, "feed"))).Select(static m => m.ToString()).ToHashSet(StringComparer.Ordinal);
                var missing = expected.Count(e => !actual.Contains(e));
                var spurious = actual.Count(a => !expected.Contains(a));
                var stored = 0L;
                for (var block = FirstBlock; block < FirstBlock + Blocks; block++)
                {
                    stored += await db.HashLengthAsync(RedisKeys.RangeRows(Graph, "aggregate", $"4.{block}"));
                }

                return (missing == 0 && spurious == 0 && stored == liveRows, missing, spurious, stored);
            }
            catch (RedisException)
            {
                return (false, expected.Count, 0, 0); // redis-server is being restarted: not known yet
            }
        }

        /// <summary>
        /// After a failed round: which rows the aggregator lacks or has too many of, and every message of a few of them
        /// on the source's edge topic and the aggregator's repartition topic, with the aggregator group's offsets.
        /// </summary>
        private async Task DiagnoseAsync(HashSet<string> live, HashSet<string> liveWhite)
        {
            var db = redis.GetDatabase();
            var stored = new HashSet<string>(StringComparer.Ordinal);
            for (var block = FirstBlock; block < FirstBlock + Blocks; block++)
            {
                foreach (var field in await db.HashKeysAsync(RedisKeys.RangeRows(Graph, "aggregate", $"4.{block}")))
                {
                    stored.Add(field.ToString());
                }
            }

            // The engine keeps a /32 as the bare address.
            static string Stored(string indicator) => indicator.EndsWith("/32", StringComparison.Ordinal) ? indicator[..^3] : indicator;
            var expected = live.Select(static i => $"source\0{Stored(i)}").Concat(liveWhite.Select(static i => $"wlSource\0{Stored(i)}")).ToHashSet(StringComparer.Ordinal);
            var missing = expected.Where(e => !stored.Contains(e)).Order(StringComparer.Ordinal).ToList();
            var extra = stored.Where(e => !expected.Contains(e)).Order(StringComparer.Ordinal).ToList();
            Console.WriteLine($"  diagnosis: {missing.Count:N0} live rows not stored ({missing.Count(static m => m.StartsWith("wl", StringComparison.Ordinal))} of the whitelist), {extra.Count:N0} stored rows not live");
            var samples = missing.Take(4).Concat(extra.Take(4)).Select(static f => f[(f.IndexOf('\0', StringComparison.Ordinal) + 1)..]).ToHashSet(StringComparer.Ordinal);
            var names = new TopicNames("minemeld", Graph);
            var topics = new[] { names.Edge("source"), names.Edge("wlSource"), names.Repartition("aggregate") };
            var group = names.RoleGroup("processor");
            using (var reader = new Confluent.Kafka.ConsumerBuilder<string, byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build())
            {
                try
                {
                    var all = new[] { names.Edge("source"), names.Edge("wlSource"), names.Repartition("aggregate") }
                        .SelectMany(static t => Enumerable.Range(0, 6).Select(p => new Confluent.Kafka.TopicPartition(t, p))).ToList();
                    var committed = reader.Committed(all, TimeSpan.FromSeconds(10));
                    Console.WriteLine($"  committed by {group}: {string.Join(", ", committed.Select(static p => $"{p.Topic[(p.Topic.LastIndexOf('.') + 1)..]}[{p.Partition.Value}]@{p.Offset.Value}"))}");
                }
                catch (Confluent.Kafka.KafkaException ex)
                {
                    Console.WriteLine($"  committed offsets of {group}: {ex.Message}");
                }
            }

            using var consumer = new Confluent.Kafka.ConsumerBuilder<string, byte[]>(new Confluent.Kafka.ConsumerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                GroupId = "bench-faults-diagnosis",
                EnableAutoCommit = false,
            }).Build();
            var ends = new Dictionary<Confluent.Kafka.TopicPartition, long>();
            foreach (var partition in topics.SelectMany(static t => Enumerable.Range(0, 6).Select(p => new Confluent.Kafka.TopicPartition(t, p))))
            {
                var marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
                if (marks.High.Value > marks.Low.Value)
                {
                    ends[partition] = marks.High.Value;
                }
            }

            Console.WriteLine($"  high watermarks: {string.Join(", ", ends.Select(static e => $"{e.Key.Topic[(e.Key.Topic.LastIndexOf('.') + 1)..]}[{e.Key.Partition.Value}]@{e.Value}"))}");
            consumer.Assign(ends.Keys.Select(static p => new Confluent.Kafka.TopicPartitionOffset(p, Confluent.Kafka.Offset.Beginning)));
            var history = samples.ToDictionary(static s => s, static _ => new List<string>(), StringComparer.Ordinal);
            var clock = Stopwatch.StartNew();
            while (ends.Count > 0 && clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(1));
                if (result is null)
                {
                    continue;
                }

                if (result.Offset.Value + 1 >= ends.GetValueOrDefault(result.TopicPartition, long.MaxValue))
                {
                    ends.Remove(result.TopicPartition);
                }

                // Edge messages are keyed by indicator; a repartition message by its block, so it is opened.
                var key = result.Message.Key;
                if (key is not null && !key.StartsWith("4.", StringComparison.Ordinal) && !history.ContainsKey(key))
                {
                    continue;
                }

                var message = Core.Messages.IndicatorMessageSerializer.Deserialize(result.Message.Value, result.Message.Key);
                if (history.TryGetValue(message.Indicator, out var list))
                {
                    list.Add($"{result.Topic[(result.Topic.LastIndexOf('.') + 1)..]}[{result.Partition.Value}]@{result.Offset.Value} {message.Op} from {message.Origin} at {result.Message.Timestamp.UtcDateTime:HH:mm:ss.fff}");
                }
            }

            if (ends.Count > 0)
            {
                Console.WriteLine($"  not read to the end in 5 minutes: {string.Join(", ", ends.Keys)}");
            }

            foreach (var (indicator, list) in history)
            {
                var state = missing.Any(m => m.EndsWith(indicator, StringComparison.Ordinal)) ? "live, not stored" : "stored, not live";
                Console.WriteLine($"  {indicator} ({state}): {(list.Count == 0 ? "no message left on the topics" : string.Join("; ", list.TakeLast(6)))}");
            }
        }

        /// <summary>A miner may read the file at any moment: it sees the old version or the new one, whole.</summary>
        private static async Task WriteAtomicallyAsync(string path, IEnumerable<string> lines, CancellationToken cancellationToken)
        {
            var temporary = path + ".tmp";
            await File.WriteAllLinesAsync(temporary, ["; minemeld bench faults", .. lines], cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>The indicators a version draws from, in the source's format (DROP lines), with their ranges.</summary>
    private sealed class Universe(Universe.Row[] rows, Universe.Row[] whitelist)
    {
        public Row[] Rows { get; } = rows;

        public Row[] Whitelist { get; } = whitelist;

        /// <summary>
        /// <paramref name="size"/> distinct networks (90% /32, 7% /28, 3% /24), and a whitelist of one entry per
        /// hundred that hits them: the same /32, its /28, or a /30 inside a larger network.
        /// </summary>
        public static Universe Sources(int size, Random random)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var rows = new List<Row>(size);
            while (rows.Count < size)
            {
                var draw = random.Next(100);
                var prefix = draw < 90 ? 32 : draw < 97 ? 28 : 24;
                var address = (uint)((FirstBlock + random.Next(Blocks)) << 24) | (uint)random.Next(1 << 24);
                var row = Row.Of(address, prefix, rows.Count);
                if (seen.Add(row.Indicator))
                {
                    rows.Add(row);
                }
            }

            var whitelist = new List<Row>();
            seen.Clear();
            while (whitelist.Count < size / 100)
            {
                var hit = rows[random.Next(rows.Count)];
                var start = (uint)hit.Range.Start;
                var row = hit.Prefix == 32
                    ? Row.Of(start, random.Next(2) == 0 ? 32 : 28, whitelist.Count)
                    : Row.Of(start + (uint)(random.Next((int)(hit.Range.End - hit.Range.Start + 1) / 4) * 4), 30, whitelist.Count);
                if (seen.Add(row.Indicator))
                {
                    whitelist.Add(row);
                }
            }

            return new Universe([.. rows], [.. whitelist]);
        }

        /// <summary>
        /// A version: each source row is in with probability <paramref name="share"/>, each whitelist row with 1/2.
        /// </summary>
        public (List<int> Rows, List<int> Whitelist) Version(double share, Random random) =>
            ([.. Enumerable.Range(0, Rows.Length).Where(_ => random.NextDouble() < share)],
             [.. Enumerable.Range(0, Whitelist.Length).Where(_ => random.Next(2) == 0)]);

        /// <summary>
        /// A DROP line (network and comment), its range and prefix; one network appears once per list.
        /// </summary>
        public sealed record Row(string Text, (long Start, long End) Range, int Prefix)
        {
            public string Indicator => Text[..Text.IndexOf(' ', StringComparison.Ordinal)];

            public static Row Of(uint address, int prefix, int number)
            {
                var mask = prefix == 32 ? uint.MaxValue : ~((1u << (32 - prefix)) - 1);
                var start = address & mask;
                var end = start | ~mask;
                return new Row($"{IPv4Family.Format(start)}/{prefix} ; SBL{number}", (start, end), prefix);
            }
        }
    }

    /// <summary>
    /// The range aggregator's output computed the simple way, independently of the engine's code: pieces between
    /// consecutive breakpoints (every row's start and one past its end, whitelist rows included, and every /8
    /// boundary inside the span), kept when a source row covers them and no whitelist row does; written <c>a-b</c>.
    /// </summary>
    internal static class Oracle
    {
        public static HashSet<string> Pieces(IEnumerable<(long Start, long End)> rows, IEnumerable<(long Start, long End)> whitelist)
        {
            var deltas = new Dictionary<long, (int Rows, int White)>();
            var (min, max) = (long.MaxValue, long.MinValue);
            void Add(long at, int row, int white)
            {
                deltas.TryGetValue(at, out var d);
                deltas[at] = (d.Rows + row, d.White + white);
            }

            foreach (var (range, isWhite) in rows.Select(static r => (r, false)).Concat(whitelist.Select(static r => (r, true))))
            {
                Add(range.Start, isWhite ? 0 : 1, isWhite ? 1 : 0);
                Add(range.End + 1, isWhite ? 0 : -1, isWhite ? -1 : 0);
                (min, max) = (Math.Min(min, range.Start), Math.Max(max, range.End));
            }

            var pieces = new HashSet<string>(StringComparer.Ordinal);
            if (deltas.Count == 0)
            {
                return pieces;
            }

            for (var block = (min >> 24) + 1; block <= max >> 24; block++)
            {
                Add(block << 24, 0, 0);
            }

            var points = deltas.Keys.Order().ToArray();
            var (covered, white) = (0, 0);
            for (var i = 0; i + 1 < points.Length; i++)
            {
                var d = deltas[points[i]];
                (covered, white) = (covered + d.Rows, white + d.White);
                if (covered > 0 && white == 0)
                {
                    pieces.Add($"{IPv4Family.Format((uint)points[i])}-{IPv4Family.Format((uint)(points[i + 1] - 1))}");
                }
            }

            return pieces;
        }
    }

    /// <summary>A redis-server child on a free port that keeps every acknowledged write (AOF, fsync always).</summary>
    private sealed class RedisServer(string executable, string directory) : IDisposable
    {
        private readonly int _port = FreePort();

        private Process? _process;

        public string Endpoint => $"127.0.0.1:{_port}";

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(directory);
            var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", string.Empty, "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no" })
            {
                start.ArgumentList.Add(arg);
            }

            try
            {
                _process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException($"cannot start {executable} ({ex.Message}); install redis-server or pass --redis-server PATH", ex);
            }

            _process.OutputDataReceived += static (_, _) => { };
            _process.ErrorDataReceived += static (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
                    return;
                }
                catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_process.HasExited)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
                }
            }
        }

        public void Kill()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process?.Dispose();
            _process = null;
        }

        public void Dispose() => Kill();
    }

    /// <summary>
    /// One <c>minemeld run</c> child with some roles, its last output lines kept for a failure report.
    /// </summary>
    private sealed class Child : IDisposable
    {
        private readonly Queue<string> _tail = new();

        private StreamWriter? _log;

        /// <summary>The children's log level (<c>--child-log-level</c>); null keeps <c>minemeld run</c>'s.</summary>
        public static string? LogLevel { get; set; }

        private Process _process = null!;

        private Child(string name, string roles, string graphFile, string bootstrap, string redis)
        {
            (Name, Roles, GraphFile, Bootstrap, Redis) = (name, roles, graphFile, bootstrap, redis);
        }

        public string Name { get; }

        private string Roles { get; }

        private string GraphFile { get; }

        private string Bootstrap { get; }

        private string Redis { get; }

        public static Child Start(string name, string roles, string graphFile, string bootstrap, string redis, int port)
        {
            var child = new Child(name, roles, graphFile, bootstrap, redis);
            child.Launch(port);
            return child;
        }

        /// <summary>
        /// The same roles in a new process, as a supervisor (compose's restart policy) would start it.
        /// </summary>
        public Child Restart(int port) => Start(Name, Roles, GraphFile, Bootstrap, Redis, port);

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true); // SIGKILL
                _process.WaitForExit();
            }

            _process.Dispose();
            lock (_tail)
            {
                _log?.Dispose();
                _log = null;
            }
        }

        public void Dispose() => Kill();

        public void PrintTail()
        {
            lock (_tail)
            {
                Console.WriteLine($"  --- last lines of {Name} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : string.Empty)}):");
                foreach (var line in _tail)
                {
                    Console.WriteLine($"  | {line}");
                }
            }
        }

        private void Launch(int port)
        {
            // This very executable: the apphost, or dotnet with this assembly.
            var self = Environment.ProcessPath!;
            var viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
            var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            var args = new List<string> { "run", GraphFile, "--kafka", Bootstrap, "--redis", Redis, "--roles", Roles, "--port", port.ToString(CultureInfo.InvariantCulture) };
            if (viaDotnet)
            {
                args.Insert(0, typeof(FaultBenchmark).Assembly.Location);
            }

            args.ForEach(start.ArgumentList.Add);

            // What the embedded broker needs of a client (it answers no CreateTopics and has one assignor); the
            // rest is every default of a production worker.
            start.Environment["Kafka__Assignor"] = "range";
            start.Environment["Kafka__CreateTopics"] = "false";
            start.Environment.Remove("Redis__Configuration");
            if (LogLevel is { } level)
            {
                start.Environment["Logging__LogLevel__Default"] = level;
            }

            _process = Process.Start(start)!;
            _log?.Dispose();
            _log = new StreamWriter(Path.Combine(Path.GetDirectoryName(GraphFile)!, $"{Name}-{_process.Id}.log")) { AutoFlush = true };
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_tail)
            {
                _log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} r{Bench.CurrentRound} {line}");
                _tail.Enqueue(line);
                if (_tail.Count > 40)
                {
                    _tail.Dequeue();
                }
            }
        }
    }
}
