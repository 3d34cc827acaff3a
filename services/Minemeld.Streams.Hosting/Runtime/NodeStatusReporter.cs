using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Writes the status of the consumed nodes this process runs (aggregators and outputs) every few seconds, as
/// MineMeld throttled its status to one push per 3 s: state (STARTED, or an error that stopped the node),
/// counters summed over the node's handlers, and the length of feeds. Miners write their own after each cycle.
/// </summary>
public sealed partial class NodeStatusReporter(
    NodeGraph graph,
    IReadOnlyList<INodeStatistics> handlers,
    IReadOnlyList<EdgeConsumerService> consumers,
    IStateStore store,
    ILogger<NodeStatusReporter> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(3);

    /// <summary>Writes every node's status once (also used at stop, so the last counters are kept).</summary>
    public async Task ReportAsync()
    {
        var statuses = store.Status(graph.Name);
        foreach (var group in handlers.GroupBy(static h => h.Node))
        {
            var node = graph[group.Key];
            var statistics = new JsonObject();
            foreach (var (name, value) in group.SelectMany(static h => h.Counters.Snapshot()).GroupBy(static c => c.Key).Select(static g => (g.Key, g.Sum(static c => c.Value))))
            {
                statistics[name] = value;
            }

            var error = consumers.Where(c => c.Node == group.Key).Select(static c => c.FatalError).FirstOrDefault(static e => e is not null);
            var status = new JsonObject
            {
                ["state"] = error is null ? 5 : 8,
                ["statistics"] = statistics,
                ["length"] = node.Kind == Core.NodeClasses.NodeKind.Output
                    ? await store.Feed(graph.Name, node.Name).CountAsync().ConfigureAwait(false)
                    : null,
                ["sub_state"] = error is null ? null : "ERROR",
                ["sub_state_message"] = error,
            };
            await statuses.WriteAsync(node.Name, node.ClassName, node.Kind.ToString().ToLowerInvariant(), status).ConfigureAwait(false);
            Metrics.NodeMetrics.Report(node.Name, statistics.Select(static s => KeyValuePair.Create(s.Key, s.Value!.GetValue<long>())), status["length"]?.GetValue<long>());
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await ReportAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (StateStoreFaults.IsFault(ex))
                {
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Could not write node status")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
