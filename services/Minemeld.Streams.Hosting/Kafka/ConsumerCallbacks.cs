using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>What a consumer's owner wants to hear about its partitions.</summary>
public sealed class ConsumerCallbacks
{
    public Action<IReadOnlyList<TopicPartition>>? Assigned { get; init; }

    public Action<IReadOnlyList<TopicPartition>>? Revoked { get; init; }
}
