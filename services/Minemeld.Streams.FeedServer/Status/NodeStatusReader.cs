using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Status;

/// <summary>
/// Node status in MineMeld's shape, from the per-instance status the workers write to the state store:
/// counters summed over live instances (reported within <see cref="StaleAfter"/>), the latest instance's state and
/// sub state, the newest run times, a feed's length from the feed itself.
/// </summary>
public sealed class NodeStatusReader(NodeGraph graph, IStateStore store, TimeProvider time)
{
    /// <summary>An instance that has not reported for this long is gone (its counters no longer count).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    public async Task<JsonArray> ReadAllAsync(CancellationToken cancellationToken)
    {
        var statuses = store.Status(graph.Name);
        var reads = graph.Nodes.Select(n => (Node: n,
            Status: statuses.ReadAllAsync(n.Name, cancellationToken),
            Length: n.IsFeed ? store.Feed(graph.Name, n.Name).CountAsync(cancellationToken) : null)).ToList();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = new JsonArray();
        foreach (var (node, statusTask, lengthTask) in reads)
        {
            var all = (await statusTask.ConfigureAwait(false)).Select(static r => r.Status).ToList();
            var instances = all
                .Where(s => JsonNodeValues.TryGetInt64(s["updated"], out var updated) && now - updated <= StaleAfter.TotalMilliseconds)
                .OrderBy(static s => s["updated"]!.GetValue<long>())
                .ToList();
            var latest = instances.LastOrDefault();
            var statistics = new JsonObject();
            foreach (var (name, value) in instances.SelectMany(static s => s["statistics"] as JsonObject ?? [])
                .GroupBy(static c => c.Key, StringComparer.Ordinal)
                .Select(static g => (g.Key, g.Sum(static c => JsonNodeValues.TryGetInt64(c.Value, out var v) ? v : 0)))
                .OrderBy(static c => c.Key, StringComparer.Ordinal))
            {
                statistics[name] = value;
            }

            var status = new JsonObject
            {
                ["name"] = node.Name,
                ["class"] = node.ClassName,
                ["state"] = latest is null ? 4 : instances.Any(static s => s["state"]?.GetValue<int>() == 8) ? 8 : latest["state"]?.DeepClone(),
                ["statistics"] = statistics,
                ["length"] = lengthTask is not null ? await lengthTask.ConfigureAwait(false) : latest?["length"]?.DeepClone(),
                ["inputs"] = new JsonArray([.. node.Inputs.Select(static i => JsonValue.Create(i))]),
                ["output"] = node.Output,
                ["clock"] = latest is null ? 0 : latest["updated"]!.GetValue<long>(),
                ["trace"] = false,
                ["instances"] = instances.Count,
            };
            if (node.Kind == NodeKind.Miner)
            {
                status["last_run"] = Max(instances, "last_run");
                status["last_successful_run"] = Max(instances, "last_successful_run");
                status["sub_state"] = latest?["sub_state"]?.DeepClone();

                // Overdue from every instance ever reported, live or gone: a miner whose holder died is nobody's.
                var interval = PollerSettings.FromConfig(node.Name, node.Config).IntervalSeconds;
                if (Max(all, "last_run") is { } lastRun && TimeSpan.FromMilliseconds(now - lastRun) > MinerNode.OverdueAfter(interval))
                {
                    status["overdue"] = true;
                    status["sub_state_message"] = $"no poll for {(now - lastRun) / 1000} s (interval {interval} s)";
                }
            }

            if (instances.FirstOrDefault(static s => s["sub_state"]?.GetValue<string>() == "ERROR") is { } failed)
            {
                status["sub_state"] = "ERROR";
                status["sub_state_message"] = failed["sub_state_message"]?.DeepClone();
            }

            result.Add(status);
        }

        return result;
    }

    private static long? Max(List<JsonObject> instances, string field) =>
        instances.Select(s => JsonNodeValues.TryGetInt64(s[field], out var v) ? v : (long?)null).Max();
}
