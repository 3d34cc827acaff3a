using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The batches a consume loop has applied in memory and not yet retired, oldest first: the loop reads and computes
/// the next batch while earlier ones wait for their acknowledgements and state writes. Retiring a batch (waiting
/// until it is durable, then storing its offsets) is the loop's <c>retire</c>, always called oldest first, so offsets
/// only move forward. When a retire throws, the batches behind it are waited for and dropped (none of their offsets
/// stored: they are replayed) and the failure goes to the caller once.
/// </summary>
internal sealed class InFlightBatches<TBatch>(Func<TBatch, Task> retire, Func<TBatch, bool> isCompleted, Func<TBatch, Task> whenCompleted)
{
    private readonly Queue<TBatch> _batches = new();

    public int Count => _batches.Count;

    /// <summary>The newest batch (the one a new batch's completion chains after), when there is one.</summary>
    public TBatch? Newest => _batches.Count > 0 ? _batches.Last() : default;

    public void Add(TBatch batch) => _batches.Enqueue(batch);

    /// <summary>
    /// Retires every batch already completed at the head of the queue, and more, oldest first, while more than
    /// <paramref name="window"/> - 1 are in flight.
    /// </summary>
    public async Task RetireCompletedAsync(int window)
    {
        while (_batches.Count > 0 && (isCompleted(_batches.Peek()) || _batches.Count >= window))
        {
            await RetireOldestAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Retires every batch in flight, oldest first.</summary>
    public async Task SettleAsync()
    {
        while (_batches.Count > 0)
        {
            await RetireOldestAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A consume loop's end: work already applied is finished (its offsets stored up to the first failure), then the
    /// consumer commits what was stored and leaves its group, so its partitions move at once. Neither failure is thrown
    /// (the loop is ending either way): a failed batch is replayed by the next owner, a failed close only delays the
    /// move; each is handed to its log line.
    /// </summary>
    public async Task SettleAndCloseAsync(IConsumer<string, byte[]> consumer, Action<Exception> settleFailed, Action<KafkaException> closeFailed)
    {
        try
        {
            await SettleAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            settleFailed(ex);
        }

        try
        {
            consumer.Close();
        }
        catch (KafkaException ex)
        {
            closeFailed(ex);
        }
    }

    private async Task RetireOldestAsync()
    {
        try
        {
            await retire(_batches.Dequeue()).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(_batches.Select(whenCompleted)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _batches.Clear();
            throw;
        }
    }
}
