using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// What is left of a batch once it is applied in memory: the step that makes its effects durable (its messages
/// acknowledged, its state written). The consume loop runs these one at a time, in batch order.
/// </summary>
public delegate Task BatchCompletion();

/// <summary>
/// The node logic behind a consume loop, in two steps so that one batch is applied while the previous one is still
/// being made durable: <see cref="ApplyAsync"/> changes the node's in-memory state and hands the resulting messages to
/// the producer; the <see cref="BatchCompletion"/> it returns waits for their acknowledgements and writes the state
/// store. The loop starts a completion only after the previous batch's completion succeeded, and stores a batch's
/// offsets only after its own, so the state store is written in batch order and a crash replays from state that
/// matches the committed offsets. Handling must be idempotent: a replayed batch leaves the same state and publishes
/// nothing it did not publish before (or an identical duplicate).
/// </summary>
public interface IBatchHandler
{
    /// <summary>The node this handler runs (for logs, metrics and status).</summary>
    string Node { get; }

    /// <summary>
    /// Applies <paramref name="batch"/> in memory and starts publishing what it emits. Everything the completion will
    /// write must be captured here (serialized, copied): the next batch is applied while the completion runs. The
    /// list itself is the loop's and is refilled for the next batch once this returns: keep its messages, not it.
    /// </summary>
    Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken);

    /// <summary>Partitions this consumer now owns (load their state lazily or now).</summary>
    void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions);

    /// <summary>
    /// Partitions this consumer no longer owns: drop their in-memory state. Called only once every batch applied so
    /// far is durable.
    /// </summary>
    void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions);

    /// <summary>Forget all in-memory state (the loop restarts from the committed offsets).</summary>
    void Reset();
}

/// <summary>Completions shared by handlers.</summary>
public static class BatchCompletions
{
    /// <summary>Nothing left to do: the batch is durable once applied.</summary>
    public static readonly BatchCompletion Done = static () => Task.CompletedTask;
}
