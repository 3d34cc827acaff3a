using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>What a consumer's owner wants to hear about its partitions.</summary>
public sealed class ConsumerCallbacks
{
    /// <summary>
    /// Partitions just assigned, each with the offset it starts from (committed, or <see cref="Offset.Beginning"/>).
    /// </summary>
    public Action<IReadOnlyList<TopicPartitionOffset>>? Assigned { get; init; }

    public Action<IReadOnlyList<TopicPartition>>? Revoked { get; init; }

    /// <summary>The nodes that read a topic, for the consumer-lag series (null: the group is one node).</summary>
    public Func<string, IReadOnlyList<string>>? NodesOf { get; init; }

    /// <summary>
    /// The owner parks partitions read to their end (<see cref="KafkaOptions.ParkIdlePartitions"/>): end-of-partition
    /// events, short fetch waits, and no librdkafka statistics (the owner reports lag).
    /// </summary>
    public bool ParkIdle { get; init; }
}
