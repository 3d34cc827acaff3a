using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The node logic behind a consume loop. <see cref="HandleAsync"/> must be idempotent: a batch can be delivered
/// again after a crash, and must then leave the same state and publish nothing it did not publish before (or an
/// identical duplicate). It returns only when its effects are durable (Redis written, messages acknowledged).
/// </summary>
public interface IBatchHandler
{
    /// <summary>The node this handler runs (for logs, metrics and status).</summary>
    string Node { get; }

    Task HandleAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken);

    /// <summary>Partitions this consumer now owns (load their state lazily or now).</summary>
    void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Partitions this consumer no longer owns: drop their in-memory state.</summary>
    void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Forget all in-memory state (the loop restarts from the committed offsets).</summary>
    void Reset();
}
