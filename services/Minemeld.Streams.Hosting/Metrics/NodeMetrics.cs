using Prometheus;

namespace Minemeld.Streams.Hosting.Metrics;

/// <summary>
/// Per-node Prometheus series (docs/operations.md, "Status and metrics"): MineMeld's counters (<c>update.rx</c>,
/// <c>update.tx</c>, <c>withdraw.rx</c>, <c>added</c>, <c>aged_out</c>, <c>error.polling</c>...), the number of
/// indicators a node holds, and poll durations. Labels are node and counter names only.
/// </summary>
public static class NodeMetrics
{
    public static readonly Counter Events = Prometheus.Metrics.CreateCounter(
        "minemeld_node_events_total", "MineMeld's node counters, by node and counter name (update.rx, update.tx, added, aged_out...).", "node", "counter");

    public static readonly Gauge Length = Prometheus.Metrics.CreateGauge(
        "minemeld_node_length", "Indicators a node holds (a miner's table, a feed's members).", "node");

    public static readonly Histogram PollDuration = Prometheus.Metrics.CreateHistogram(
        "minemeld_miner_poll_duration_seconds", "Time of a miner's poll cycle (fetch, parse, diff, publish, save).", new HistogramConfiguration
        {
            LabelNames = ["node", "outcome"],
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 14),
        });

    /// <summary>Brings the node's counter series up to the given cumulative values.</summary>
    public static void Report(string node, IEnumerable<KeyValuePair<string, long>> counters, long? length)
    {
        ArgumentNullException.ThrowIfNull(counters);
        foreach (var (name, value) in counters)
        {
            Events.WithLabels(node, name).IncTo(value);
        }

        if (length is { } l)
        {
            Length.WithLabels(node).Set(l);
        }
    }
}
