using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Prometheus;

namespace Minemeld.Streams.Hosting.Metrics;

/// <summary>
/// Consumer lag per group and partition, from librdkafka's statistics (<c>statistics.interval.ms</c>): how many
/// messages of an edge a node has yet to handle (<c>consumer_lag_stored</c>: the high watermark minus the offset the
/// loop stored after handling, so a batch in progress still counts as lag). Series of partitions a consumer no
/// longer owns are removed, so a rebalance leaves no stale lag behind.
/// </summary>
public static class ConsumerLag
{
    public static readonly Gauge Lag = Prometheus.Metrics.CreateGauge(
        "minemeld_pipeline_consumer_lag_messages", "Messages of an input partition not yet handled by the node's group (from librdkafka statistics).", "group", "topic", "partition");

    /// <summary>Reads one statistics document and sets the lag of every partition it reports as assigned.</summary>
    /// <param name="group">The consumer group.</param>
    /// <param name="statistics">librdkafka's statistics document.</param>
    /// <param name="assigned">
    /// The consumer's assignment now: a document written before a revocation can arrive after it, and must not bring
    /// back the series of partitions the consumer no longer has. Null reports every partition of the document.
    /// </param>
    public static void Report(string group, string statistics, IReadOnlyCollection<TopicPartition>? assigned = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        using var document = JsonDocument.Parse(statistics);
        if (!document.RootElement.TryGetProperty("topics", out var topics) || topics.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var topic in topics.EnumerateObject())
        {
            if (!topic.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var partition in partitions.EnumerateObject())
            {
                // "-1" is librdkafka's internal unassigned partition; a partition not fetched reports lag -1.
                if (partition.Name == "-1"
                    || !partition.Value.TryGetProperty("fetch_state", out var state) || state.GetString() is "none" or "stopped"
                    || !partition.Value.TryGetProperty("consumer_lag_stored", out var lag) || !lag.TryGetInt64(out var value) || value < 0
                    || (assigned is not null && !IsAssigned(assigned, topic.Name, partition.Name)))
                {
                    continue;
                }

                Lag.WithLabels(group, topic.Name, partition.Name).Set(value);
            }
        }
    }

    /// <summary>Removes the series of partitions the group's consumer gave up.</summary>
    public static void Forget(string group, IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            Lag.RemoveLabelled(group, partition.Topic, partition.Partition.Value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static bool IsAssigned(IReadOnlyCollection<TopicPartition> assigned, string topic, string partition) =>
        int.TryParse(partition, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
        && assigned.Any(a => a.Partition.Value == number && string.Equals(a.Topic, topic, StringComparison.Ordinal));
}
