using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Prometheus;

namespace Minemeld.Streams.Hosting.Metrics;

/// <summary>
/// Consumer lag per group and partition, from librdkafka's statistics (<c>statistics.interval.ms</c>): how many
/// messages of an edge a node has yet to handle (<c>consumer_lag_stored</c>: the high watermark minus the offset the
/// loop stored after handling, so a batch in progress still counts as lag), with one series per node that reads the
/// topic: a role's consumer group serves many nodes, and an operator asks which node is behind. A partition's stored
/// offset waits for the slowest node reading it, so every reader shows that lag. Series of partitions a consumer no
/// longer owns are removed, so a rebalance leaves no stale lag behind.
/// </summary>
public static class ConsumerLag
{
    public static readonly Gauge Lag = Prometheus.Metrics.CreateGauge(
        "minemeld_pipeline_consumer_lag_messages", "Messages of an input partition not yet handled by the node's group (from librdkafka statistics, or from the role loop when it parks idle partitions).", "group", "node", "topic", "partition");

    /// <summary>Reads one statistics document and sets the lag of every partition it reports as assigned.</summary>
    /// <param name="group">The consumer group.</param>
    /// <param name="statistics">librdkafka's statistics document.</param>
    /// <param name="nodesOf">The nodes that read a topic (null: the group's own name, one node per group).</param>
    /// <param name="assigned">
    /// The consumer's assignment now: a document written before a revocation can arrive after it, and must not bring
    /// back the series of partitions the consumer no longer has. Null reports every partition of the document.
    /// </param>
    public static void Report(string group, string statistics, IReadOnlyCollection<TopicPartition>? assigned = null, Func<string, IReadOnlyList<string>>? nodesOf = null)
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

                foreach (var node in nodesOf?.Invoke(topic.Name) ?? [group])
                {
                    Lag.WithLabels(group, node, topic.Name, partition.Name).Set(value);
                }
            }
        }
    }

    /// <summary>Sets the lag of one partition for each node that reads it (a role loop computing lag itself).</summary>
    public static void Set(string group, IReadOnlyList<string> nodes, TopicPartition partition, long lag)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(partition);
        var number = partition.Partition.Value.ToString(CultureInfo.InvariantCulture);
        foreach (var node in nodes)
        {
            Lag.WithLabels(group, node, partition.Topic, number).Set(lag);
        }
    }

    /// <summary>Removes the series of partitions the group's consumer gave up.</summary>
    public static void Forget(string group, IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var gone = partitions.Select(static p => (p.Topic, p.Partition.Value.ToString(CultureInfo.InvariantCulture))).ToHashSet();
        if (gone.Count == 0)
        {
            return;
        }

        foreach (var labels in Lag.GetAllLabelValues().Where(l => l[0] == group && gone.Contains((l[2], l[3]))).ToList())
        {
            Lag.RemoveLabelled(labels);
        }
    }

    private static bool IsAssigned(IReadOnlyCollection<TopicPartition> assigned, string topic, string partition) =>
        int.TryParse(partition, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
        && assigned.Any(a => a.Partition.Value == number && string.Equals(a.Topic, topic, StringComparison.Ordinal));
}
