using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Extensions;
using Minemeld.Streams.FeedServer.Status;
using Minemeld.Streams.Hosting.Extensions;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld run GRAPH</c>: every role of the graph (miners, aggregators, outputs) and the feed server in one
/// process, on the embedded Kafka broker and the in-memory state store; <c>--redis</c> keeps the state in Redis,
/// <c>--kafka</c> uses a real broker, <c>--roles</c> runs only some roles (what each compose service does). Prints the
/// feed URLs and the users it seeded, reports the first polls, and stops cleanly on Ctrl-C.
/// </summary>
internal static class RunCommand
{
    /// <summary>The feed server's role name (the others are the node kinds).</summary>
    private const string FeedsRole = "feeds";

    private static readonly string[] GraphRolesAll = ["miner", "processor", "output"];

    private static readonly string[] AllRoles = [.. GraphRolesAll, FeedsRole];

    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file (its GRAPH.users.yml is used when present)." };
        var redis = new Option<string?>("--redis") { Description = "Keep the state in this Redis (host:port); default: the Redis__Configuration environment variable, else in memory." };
        var kafka = new Option<string?>("--kafka") { Description = "Bootstrap servers of a real Kafka (topics are created); default: the embedded broker. Needs --redis." };
        var roles = new Option<string>("--roles") { Description = $"Roles to run here, comma-separated: {string.Join(", ", AllRoles)}.", DefaultValueFactory = static _ => string.Join(',', AllRoles) };
        var port = new Option<int>("--port") { Description = "HTTP port of the feed server (and /metrics, /healthz, /readyz).", DefaultValueFactory = static _ => 8080 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = static _ => "127.0.0.1" };
        var verbose = new Option<bool>("--verbose") { Description = "On a start-up failure, print the exception's whole trace, not one line." };
        var prototypes = PrototypesCommand.DirectoriesOption();
        var syslog = new Option<string?>("--syslog") { Description = "Receive syslog for the graph's syslog nodes: udp://host:port and/or tcp://host:port, comma-separated." };
        var kafkaListen = new Option<string?>("--kafka-listen") { Description = "Put the embedded broker on HOST:PORT for other Kafka clients (a SIEM, kcat); 0.0.0.0:PORT listens on every interface and advertises this host's address." };
        var command = new Command("run", "Run a graph: by default all of it and its feed server in one process (embedded Kafka, in-memory state).")
        {
            graph, redis, kafka, roles, port, bind, verbose, prototypes, syslog, kafkaListen,
        };
        command.SetAction((parse, token) => RunAsync(
            new RunSettings(
                parse.GetValue(graph)!,
                parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Redis__Configuration"),
                parse.GetValue(kafka),
                parse.GetValue(roles)!,
                parse.GetValue(port),
                parse.GetValue(bind)!,
                parse.GetValue(verbose),
                parse.GetValue(prototypes) ?? [],
                parse.GetValue(syslog),
                parse.GetValue(kafkaListen)),
            token));
        return command;
    }

    /// <summary>
    /// Runs the graph; a start-up failure is one line on stderr and exit code 1 (<c>--verbose</c> adds the trace). The
    /// common ones are found before anything starts, so the host has nothing to log: an invalid graph (every error at
    /// its line) and a port in use.
    /// </summary>
    private static async Task<int> RunAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        if (PortInUse(settings) is { } busy)
        {
            await Console.Error.WriteLineAsync($"minemeld run: cannot listen on {settings.Bind}:{settings.Port}: {busy}; choose another with --port");
            return 1;
        }

        try
        {
            return await RunCheckedAsync(settings, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"minemeld run: cannot start: {OneLine(ex)}{(settings.Verbose ? string.Empty : " (--verbose for the trace)")}");
            if (settings.Verbose)
            {
                await Console.Error.WriteLineAsync(ex.ToString());
            }

            return 1;
        }
    }

    /// <summary>
    /// Why binding would fail, or null when the address is free (checked by binding it for a moment).
    /// </summary>
    private static string? PortInUse(RunSettings settings)
    {
        if (!System.Net.IPAddress.TryParse(settings.Bind, out var address))
        {
            return null; // a host name: Kestrel resolves it and reports what it finds
        }

        try
        {
            using var probe = new System.Net.Sockets.TcpListener(address, settings.Port);
            probe.Start();
            probe.Stop();
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse ? "the address is already in use" : ex.Message;
        }
    }

    /// <summary>The innermost message that says something, on one line.</summary>
    private static string OneLine(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message.ReplaceLineEndings(" ").Trim());
        }

        return string.Join(": ", messages.Distinct(StringComparer.Ordinal));
    }

    private static async Task<int> RunCheckedAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var roles = settings.Roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(static r => r.ToLowerInvariant()).ToHashSet();
        var unknown = roles.Where(static r => !AllRoles.Contains(r)).ToList();
        if (roles.Count == 0 || unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"--roles: {(unknown.Count > 0 ? $"unknown role {string.Join(", ", unknown)}" : "no role given")}; roles are {string.Join(", ", AllRoles)}");
            return 2;
        }

        if (settings.Kafka is not null && string.IsNullOrWhiteSpace(settings.Redis))
        {
            // Offsets committed to a real broker with state kept only in memory: a restart would lose what the
            // committed offsets say was applied.
            await Console.Error.WriteLineAsync("--kafka needs --redis: with a real broker the state must outlive this process.");
            return 2;
        }

        System.Net.IPEndPoint? kafkaListen = null;
        string? kafkaAdvertised = null;
        if (settings.KafkaListen is { } listen)
        {
            if (settings.Kafka is not null)
            {
                await Console.Error.WriteLineAsync("--kafka-listen places the embedded broker; with --kafka there is none (point clients at that cluster).");
                return 2;
            }

            if (ParseListen(listen) is not { } parsed)
            {
                await Console.Error.WriteLineAsync($"--kafka-listen {listen}: expected HOST:PORT (an address or a host name of this machine, port 0-65535)");
                return 2;
            }

            (kafkaListen, kafkaAdvertised) = parsed;
        }

        using var broker = settings.Kafka is not null ? null : StartBroker(kafkaListen, kafkaAdvertised);
        var graphRoles = string.Join(',', roles.Where(static r => r != FeedsRole));
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Who changed what (admin writes, list edits, console logins) is shown whatever the level of the rest.
        builder.Logging.AddFilter("Minemeld.Streams.FeedServer.Audit", LogLevel.Information);
        builder.WebHost.UseUrls($"http://{settings.Bind}:{settings.Port}");
        var overrides = new Dictionary<string, string?>
        {
            ["Graph:Path"] = settings.Graph.FullName,
            ["Redis:Configuration"] = string.IsNullOrWhiteSpace(settings.Redis) ? "unused" : settings.Redis,
            ["Kafka:BootstrapServers"] = broker?.BootstrapServers ?? settings.Kafka,
            ["Syslog:Listen"] = settings.Syslog ?? string.Empty,
        };
        for (var i = 0; i < settings.Prototypes.Count; i++)
        {
            overrides[$"Graph:PrototypeDirectories:{i}"] = Path.GetFullPath(settings.Prototypes[i]);
        }

        if (broker is not null)
        {
            // The embedded broker has one assignor and no CreateTopics, and every producer of it is in this process:
            // idle partitions wait for its writes. With --kafka these come from the environment (Kafka__...) or
            // the defaults, as they do for the workers.
            overrides["Kafka:Assignor"] = "range";
            overrides["Kafka:CreateTopics"] = "false";
            overrides["Kafka:ParkIdlePartitions"] = "true";
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddMinemeldDefaults();
        if (string.IsNullOrWhiteSpace(settings.Redis))
        {
            builder.Services.UseMemoryStateStore();
        }

        if (broker is not null)
        {
            builder.Services.AddSingleton<ITopicProvisioner>(new EmbeddedTopicProvisioner(broker));
        }

        if (graphRoles.Length > 0)
        {
            builder.Services.AddGraphRuntime(roles: graphRoles);
        }

        var feeds = roles.Contains(FeedsRole);
        if (feeds)
        {
            builder.AddFeedServer();
        }

        await using var app = builder.Build();
        var loaded = app.Services.GetRequiredService<GraphProvider>().Result;
        if (!loaded.IsValid)
        {
            foreach (var error in loaded.Errors)
            {
                await Console.Error.WriteLineAsync(error.ToString());
            }

            await Console.Error.WriteLineAsync($"minemeld run: {settings.Graph.Name} is invalid ({loaded.Errors.Count()} error{(loaded.Errors.Count() == 1 ? string.Empty : "s")}); nothing started");
            return 1;
        }

        app.MapManagementEndpoints();
        if (feeds)
        {
            app.MapFeedServer();
        }

        if (!string.IsNullOrWhiteSpace(settings.Redis) && roles.IsSupersetOf(GraphRolesAll))
        {
            // The whole graph runs in this process: a changed graph is committed at once, as MineMeld did on start.
            var committer = new GraphCommitter(app.Services.GetRequiredService<IStateStore>());
            var committing = app.Services.GetRequiredService<GraphProvider>().Graph;
            await CommitCommand.ReportAndApplyAsync(committer, committing, await committer.PlanAsync(committing, cancellationToken), dryRun: false, cancellationToken);
        }

        await app.StartAsync(cancellationToken);

        var graph = app.Services.GetRequiredService<GraphProvider>().Graph;
        var store = app.Services.GetRequiredService<IStateStore>();
        Console.WriteLine($"graph {graph.Name}: {graph.Nodes.Count} nodes; roles {string.Join(", ", AllRoles.Where(roles.Contains))}");
        Console.WriteLine($"  kafka {(broker is null ? settings.Kafka : $"embedded, {broker.BootstrapServers}")}; state {store.Description}");
        if (broker?.ListenEndPoint is not null)
        {
            PrintKafkaClients(graph, broker, app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KafkaOptions>>().Value.TopicPrefix);
        }

        if (feeds)
        {
            PrintFeedsAndUsers(graph, app.Services.GetRequiredService<UsersFile>(), settings);
        }

        try
        {
            if (roles.Contains("miner"))
            {
                await ReportFirstPollsAsync(new NodeStatusReader(graph, store, TimeProvider.System), graph, cancellationToken);
            }

            Console.WriteLine($"running; metrics and health on http://{ReachableHost(settings.Bind)}:{settings.Port}/metrics|healthz|readyz; Ctrl-C stops");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C while the first polls were being reported: the same clean stop as any other time (exit code 0).
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>
    /// <c>--kafka-listen</c>'s address and the host the broker advertises: an address (IPv6 in brackets) as given, a
    /// wildcard with this host's address (<see cref="ReachableHost"/>), a host name with the first address it resolves
    /// to here and the name itself. Null when it is not HOST:PORT.
    /// </summary>
    internal static (System.Net.IPEndPoint Listen, string Advertised)? ParseListen(string value)
    {
        // An address with its port: a.b.c.d:port or [v6]:port (a bare IPv6 address has no port to take).
        var withPort = value.StartsWith('[') ? value.Contains("]:", StringComparison.Ordinal) : value.Count(static c => c == ':') == 1;
        if (withPort && System.Net.IPEndPoint.TryParse(value, out var endpoint))
        {
            return (endpoint, IsWildcard(endpoint.Address.ToString()) ? ReachableHost(endpoint.Address.ToString()) : endpoint.Address.ToString());
        }

        var colon = value.LastIndexOf(':');
        if (!withPort || colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return null;
        }

        var host = value[..colon];
        try
        {
            var address = System.Net.Dns.GetHostAddresses(host).OrderBy(static a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault();
            return address is null ? null : (new System.Net.IPEndPoint(address, port), host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    /// <summary>The embedded broker: on its own loopback port, or on the <c>--kafka-listen</c> address.</summary>
    private static EmbeddedKafkaBroker StartBroker(System.Net.IPEndPoint? listen, string? advertised)
    {
        if (listen is null)
        {
            return EmbeddedKafkaBroker.Start();
        }

        try
        {
            return EmbeddedKafkaBroker.Start(listen, advertised);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new InvalidOperationException($"the embedded broker cannot listen on {listen}: {(ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse ? "the address is already in use" : ex.Message)}; choose another with --kafka-listen", ex);
        }
    }

    /// <summary>
    /// How other Kafka clients read this run: the address, the limits, a kcat command per kind of topic.
    /// </summary>
    private static void PrintKafkaClients(NodeGraph graph, EmbeddedKafkaBroker broker, string prefix)
    {
        var names = new TopicNames(prefix, graph.Name);
        Console.WriteLine($"  kafka clients: {broker.BootstrapServers} (embedded: empty at every start, about 5 MiB kept per partition, not compacted)");
        if (graph.Nodes.FirstOrDefault(static n => n.HasTableTopic) is { } feed)
        {
            Console.WriteLine($"    a feed, current set:   kcat -b {broker.BootstrapServers} -C -t {names.Table(feed.Name)} -o beginning -e -Z -f '%k\\t%s\\n'");
        }

        if (graph.Nodes.FirstOrDefault(static n => n.Output) is { } node)
        {
            Console.WriteLine($"    a node's changes:      kcat -b {broker.BootstrapServers} -C -t {names.Edge(node.Name)} -o end -f '%k\\t%s\\n'");
        }
    }

    /// <summary>
    /// The host to print in URLs: the bind address itself, or for a wildcard bind (0.0.0.0, ::) this host's first IPv4
    /// address on an interface that is up and not loopback (its name when it has none), which other machines can use.
    /// </summary>
    internal static string ReachableHost(string bind)
    {
        if (!IsWildcard(bind))
        {
            return System.Net.IPAddress.TryParse(bind, out var given) && given.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind;
        }

        var address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(static n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up &&
                n.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback)
            .SelectMany(static n => n.GetIPProperties().UnicastAddresses)
            .Select(static u => u.Address)
            .FirstOrDefault(static a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));
        return address?.ToString() ?? System.Net.Dns.GetHostName();
    }

    private static bool IsWildcard(string bind) =>
        System.Net.IPAddress.TryParse(bind, out var address) && (address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any));

    private static void PrintFeedsAndUsers(NodeGraph graph, UsersFile usersFile, RunSettings settings)
    {
        var users = usersFile.Config;
        foreach (var feed in graph.Nodes.Where(static n => n.Class.Name == NodeClassRegistry.RedisSet))
        {
            var tags = users?.FeedTags.TryGetValue(feed.Name, out var t) == true ? string.Join(", ", t) : "untagged";
            Console.WriteLine($"  feed  http://{ReachableHost(settings.Bind)}:{settings.Port}/feeds/{feed.Name}   (tags: {tags})");
        }

        // The console answers loopback clients only unless FeedServer:AdminRemoteAccess: a wildcard bind prints the
        // loopback address, the one that works from this host.
        var console = IsWildcard(settings.Bind) ? "127.0.0.1" : ReachableHost(settings.Bind);
        Console.WriteLine($"  console http://{console}:{settings.Port}/ui/   (admin users)");
        foreach (var user in users?.FeedUsers.Concat(users.AdminUsers) ?? [])
        {
            var kind = users!.AdminUsers.Contains(user) ? "admin" : "feed user";
            var password = user.ClearTextPassword ?? (user.PasswordEnvironmentVariable is { } v ? $"${v}" : "(hashed)");
            Console.WriteLine($"  {kind} {user.Name} / {password}{(user.Tags.Count > 0 ? $"   tags: {string.Join(", ", user.Tags)}" : string.Empty)}");
        }
    }

    /// <summary>Prints each miner's first poll as it finishes and each feed's length, for up to two minutes.</summary>
    private static async Task ReportFirstPollsAsync(NodeStatusReader reader, NodeGraph graph, CancellationToken cancellationToken)
    {
        var miners = graph.Nodes.Where(static n => n.Kind == NodeKind.Miner).Select(static n => n.Name).ToHashSet(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (reported.Count < miners.Count && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            JsonArray statuses;
            try
            {
                statuses = await reader.ReadAllAsync(cancellationToken);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                continue;
            }

            foreach (var status in statuses.OfType<JsonObject>())
            {
                var name = status["name"]!.GetValue<string>();
                var subState = status["sub_state"]?.GetValue<string>();
                if (miners.Contains(name) && subState is "SUCCESS" or "ERROR" && reported.Add(name))
                {
                    Console.WriteLine($"  polled {name}: {subState}, {status["length"]} indicators{(subState == "ERROR" ? $" ({status["sub_state_message"]})" : string.Empty)}");
                }
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        foreach (var status in (await reader.ReadAllAsync(cancellationToken)).OfType<JsonObject>().Where(static s => s["class"]?.GetValue<string>() == NodeClassRegistry.RedisSet))
        {
            Console.WriteLine($"  feed {status["name"]}: {status["length"]} entries");
        }
    }

    private sealed record RunSettings(FileInfo Graph, string? Redis, string? Kafka, string Roles, int Port, string Bind, bool Verbose, IReadOnlyList<string> Prototypes, string? Syslog, string? KafkaListen);
}
