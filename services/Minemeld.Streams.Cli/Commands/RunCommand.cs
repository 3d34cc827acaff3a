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
using Minemeld.Streams.Hosting.Runtime;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld run GRAPH --redis HOST:PORT</c>: every role of the graph (miners, aggregators, outputs) and the feed
/// server in one process, on the embedded Kafka broker and the given Redis. Prints the feed URLs and the users it
/// seeded, reports the first polls, and stops cleanly on Ctrl-C.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file (its GRAPH.users.yml is used when present)." };
        var redis = new Option<string?>("--redis") { Description = "Redis (host:port); default: the Redis__Configuration environment variable." };
        var port = new Option<int>("--port") { Description = "HTTP port of the feed server.", DefaultValueFactory = static _ => 8080 };
        var command = new Command("run", "Run a whole graph and its feed server in one process (embedded Kafka broker).") { graph, redis, port };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(graph)!, parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Redis__Configuration"), parse.GetValue(port), token));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo graphFile, string? redis, int port, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(redis))
        {
            await Console.Error.WriteLineAsync("minemeld run needs a Redis for now: --redis HOST:PORT (or Redis__Configuration). The in-memory store is not built yet.");
            return 2;
        }

        using var broker = EmbeddedKafkaBroker.Start();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Graph:Path"] = graphFile.FullName,
            ["Redis:Configuration"] = redis,
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            ["Kafka:Assignor"] = "range",
            ["Kafka:CreateTopics"] = "false",
        });
        builder.AddMinemeldDefaults();
        builder.Services.AddSingleton<ITopicProvisioner>(new EmbeddedTopicProvisioner(broker));
        builder.Services.AddGraphRuntime(roles: "miner,processor,output");
        builder.AddFeedServer();
        await using var app = builder.Build();
        app.MapManagementEndpoints();
        app.MapFeedServer();
        await app.StartAsync(cancellationToken);

        var graph = app.Services.GetRequiredService<NodeGraph>();
        var users = app.Services.GetRequiredService<UsersFile>().Config;
        Console.WriteLine($"graph {graph.Name}: {graph.Nodes.Count} nodes, embedded Kafka at {broker.BootstrapServers}, Redis {redis}");
        foreach (var feed in graph.Nodes.Where(static n => n.ClassName == NodeClassRegistry.RedisSet))
        {
            var tags = users?.FeedTags.TryGetValue(feed.Name, out var t) == true ? string.Join(", ", t) : "untagged";
            Console.WriteLine($"  feed  http://127.0.0.1:{port}/feeds/{feed.Name}   (tags: {tags})");
        }

        foreach (var user in users?.FeedUsers.Concat(users.AdminUsers) ?? [])
        {
            var kind = users!.AdminUsers.Contains(user) ? "admin" : "feed user";
            var password = user.ClearTextPassword ?? (user.PasswordEnvironmentVariable is { } v ? $"${v}" : "(hashed)");
            Console.WriteLine($"  {kind} {user.Name} / {password}   tags: {string.Join(", ", user.Tags)}");
        }

        await ReportFirstPollsAsync(app.Services.GetRequiredService<NodeStatusReader>(), graph, cancellationToken);
        Console.WriteLine("running; Ctrl-C stops");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
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
            catch (StackExchange.Redis.RedisException)
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
}
