using System.CommandLine;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using StackExchange.Redis;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld commit GRAPH --redis HOST:PORT [--dry-run]</c>: MineMeld's commit for a graph that changed. Prints
/// what each node does (initialize, reset, rebuild) and what is deleted, then applies it to the state in Redis.
/// Stop the graph's workers first; workers refuse to start on a graph that differs from the committed one.
/// </summary>
internal static class CommitCommand
{
    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file to commit." };
        var redis = new Option<string>("--redis") { Description = "Redis holding the graph's state (host:port or a StackExchange.Redis configuration).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the plan." };
        var command = new Command("commit", "Apply a changed graph to its stored state (stop its workers first).") { graph, redis, dryRun };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(graph)!, parse.GetValue(redis)!, parse.GetValue(dryRun), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, string redisConfiguration, bool dryRun, CancellationToken cancellationToken)
    {
        var result = GraphLoader.LoadFile(file.FullName, PrototypeLibrary.Create());
        if (result.Graph is not { } graph)
        {
            foreach (var error in result.Errors)
            {
                await Console.Error.WriteLineAsync(error.ToString());
            }

            return 1;
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var committer = new GraphCommitter(new RedisStateStore(redis));
        var plan = await committer.PlanAsync(graph, cancellationToken);
        return await ReportAndApplyAsync(committer, graph, plan, dryRun, cancellationToken);
    }

    /// <summary>Prints the plan and applies it (unless a dry run); shared with <c>minemeld run --redis</c>.</summary>
    internal static async Task<int> ReportAndApplyAsync(GraphCommitter committer, NodeGraph graph, GraphCommitPlan plan, bool dryRun, CancellationToken cancellationToken)
    {
        if (plan.IsUnchanged)
        {
            Console.WriteLine($"graph {graph.Name}: unchanged since the last commit, nothing to do");
            return 0;
        }

        Console.WriteLine($"graph {graph.Name}: {(dryRun ? "would commit" : "committing")}");
        foreach (var line in plan.Describe())
        {
            Console.WriteLine($"  {line}");
        }

        if (!dryRun)
        {
            await committer.ApplyAsync(graph, plan, cancellationToken);
            Console.WriteLine("committed; start the workers");
        }

        return 0;
    }
}
