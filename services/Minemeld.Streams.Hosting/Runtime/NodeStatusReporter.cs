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
    IReadOnlyList<INodeConsumer> consumers,
    IStateStore store,
    ILogger<NodeStatusReporter> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(3);

    /// <summary>
    /// An unchanged node's status is written again after this long (its feed may have changed elsewhere).
    /// </summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(60);

    /// <summary>
    /// What was last written per node (its counters' versions, the error) and when: a graph of thousands of idle nodes
    /// writes nothing, and does not even build their statuses to find that out.
    /// </summary>
    private readonly Dictionary<string, (long Version, string? Error, long At)> _written = new(StringComparer.Ordinal);

    /// <summary>The handlers of each node (a node served by several loops has one per loop), grouped once.</summary>
    private readonly IGrouping<string, INodeStatistics>[] _byNode = [.. handlers.GroupBy(static h => h.Node, StringComparer.Ordinal)];

    /// <summary>Writes every node's status once (also used at stop, so the last counters are kept).</summary>
    public async Task ReportAsync(CancellationToken cancellationToken)
    {
        var statuses = store.Status(graph.Name);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var consumer in consumers)
        {
            if (consumer.FatalError is { } fatal)
            {
                errors.TryAdd(consumer.Node, fatal);
            }
        }

        foreach (var group in _byNode)
        {
            var node = graph[group.Key];
            var error = errors.TryGetValue(group.Key, out var e) ? e : null;
            var problem = group.Select(static h => h.Problem).FirstOrDefault(static p => p is not null);
            var version = 0L;
            foreach (var handler in group)
            {
                version += handler.Counters.Version;
            }

            var now = Environment.TickCount64;
            if (_written.TryGetValue(node.Name, out var last) && last.Version == version && last.Error == (error ?? problem) && now - last.At < (long)Refresh.TotalMilliseconds)
            {
                continue;
            }

            var statistics = new JsonObject();
            foreach (var (name, value) in group.SelectMany(static h => h.Counters.Snapshot()).GroupBy(static c => c.Key).Select(static g => (g.Key, g.Sum(static c => c.Value))))
            {
                statistics[name] = value;
            }

            var status = new JsonObject
            {
                ["state"] = error is null ? 5 : 8,
                ["statistics"] = statistics,
                ["length"] = group.Select(static h => h.Length).FirstOrDefault(static l => l is not null)
                    ?? (node.Class.Name == Core.NodeClasses.NodeClassRegistry.RedisSet
                        ? await store.Feed(graph.Name, node.Name).CountAsync(cancellationToken).ConfigureAwait(false)
                        : null),
                ["sub_state"] = error is null && problem is null ? null : "ERROR",
                ["sub_state_message"] = error ?? problem,
            };
            await statuses.WriteAsync(node.Name, node.ClassName, node.Kind.ToString().ToLowerInvariant(), status, cancellationToken).ConfigureAwait(false);
            Metrics.NodeMetrics.Report(node.Name, statistics.Select(static s => KeyValuePair.Create(s.Key, s.Value!.GetValue<long>())), status["length"]?.GetValue<long>());
            _written[node.Name] = (version, error ?? problem, now);
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
                    await ReportAsync(stoppingToken).ConfigureAwait(false);
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
