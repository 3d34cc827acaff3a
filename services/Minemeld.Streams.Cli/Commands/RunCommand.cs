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
        var command = new Command("run", "Run a graph: by default all of it and its feed server in one process (embedded Kafka, in-memory state).")
        {
            graph, redis, kafka, roles, port, bind,
        };
        command.SetAction((parse, token) => RunAsync(
            new RunSettings(
                parse.GetValue(graph)!,
                parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Redis__Configuration"),
                parse.GetValue(kafka),
                parse.GetValue(roles)!,
                parse.GetValue(port),
                parse.GetValue(bind)!),
            token));
        return command;
    }

    private static async Task<int> RunAsync(RunSettings settings, CancellationToken cancellationToken)
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

        using var broker = settings.Kafka is null ? EmbeddedKafkaBroker.Start() : null;
        var graphRoles = string.Join(',', roles.Where(static r => r != FeedsRole));
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{settings.Bind}:{settings.Port}");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Graph:Path"] = settings.Graph.FullName,
            ["Redis:Configuration"] = string.IsNullOrWhiteSpace(settings.Redis) ? "unused" : settings.Redis,
            ["Kafka:BootstrapServers"] = broker?.BootstrapServers ?? settings.Kafka,
            ["Kafka:Assignor"] = broker is null ? null : "range",
            ["Kafka:CreateTopics"] = broker is null ? "true" : "false",
            // Every producer of the embedded broker is in this process: idle partitions wait for its writes.
            ["Kafka:ParkIdlePartitions"] = broker is null ? "false" : "true",
        });
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
            await CommitCommand.ReportAndApplyAsync(committer, committing, await committer.PlanAsync(committing), dryRun: false);
        }

        await app.StartAsync(cancellationToken);

        var graph = app.Services.GetRequiredService<GraphProvider>().Graph;
        var store = app.Services.GetRequiredService<IStateStore>();
        Console.WriteLine($"graph {graph.Name}: {graph.Nodes.Count} nodes; roles {string.Join(", ", AllRoles.Where(roles.Contains))}");
        Console.WriteLine($"  kafka {(broker is null ? settings.Kafka : $"embedded, {broker.BootstrapServers}")}; state {store.Description}");
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

            Console.WriteLine($"running; metrics and health on http://{settings.Bind}:{settings.Port}/metrics|healthz|readyz; Ctrl-C stops");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C while the first polls were being reported: the same clean stop as any other time (exit code 0).
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private static void PrintFeedsAndUsers(NodeGraph graph, UsersFile usersFile, RunSettings settings)
    {
        var users = usersFile.Config;
        foreach (var feed in graph.Nodes.Where(static n => n.ClassName == NodeClassRegistry.RedisSet))
        {
            var tags = users?.FeedTags.TryGetValue(feed.Name, out var t) == true ? string.Join(", ", t) : "untagged";
            Console.WriteLine($"  feed  http://{settings.Bind}:{settings.Port}/feeds/{feed.Name}   (tags: {tags})");
        }

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

    private sealed record RunSettings(FileInfo Graph, string? Redis, string? Kafka, string Roles, int Port, string Bind);
}
