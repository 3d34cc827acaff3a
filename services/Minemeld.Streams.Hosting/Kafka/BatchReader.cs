using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// Reads a consume loop's batches: a first message, waited for as the loop asks, then more until
/// <see cref="KafkaOptions.MaxBatchSize"/> messages or <see cref="KafkaOptions.MaxBatchWaitMs"/> since. What the
/// loop's admission refuses (a partition's end, a message the catch-up gate holds back) is left out.
/// <para>
/// Rebalance callbacks run inside <c>Consume</c> (and <c>Close</c>), on the loop's own thread, where throwing is not
/// allowed: a callback runs its work through <see cref="Guard"/>, and the first failure is rethrown after the
/// <c>Consume</c> it happened in, where the loop's <see cref="RestartPolicy"/> sees it.
/// </para>
/// </summary>
internal sealed class BatchReader(KafkaOptions options)
{
    private Exception? _failure;

    /// <summary>
    /// Runs a rebalance callback's <paramref name="work"/>, keeping its failure for the loop to rethrow.
    /// </summary>
    public void Guard(Action work)
    {
        try
        {
            work();
        }
        catch (Exception ex)
        {
            _failure ??= ex;
        }
    }

    /// <summary>
    /// Reads a batch into <paramref name="batch"/> (emptied first), keeping what <paramref name="admitted"/> accepts.
    /// Waits for the first message up to <paramref name="wait"/>, or until <paramref name="stop"/> when null. Returns
    /// false when nothing came in that time; true when something came, even if admission refused it all (the batch is
    /// then empty).
    /// </summary>
    public bool Read(
        IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> batch, Func<ConsumeResult<string, byte[]>, bool> admitted, TimeSpan? wait, CancellationToken stop)
    {
        batch.Clear();
        var first = wait is { } w ? consumer.Consume(w) : consumer.Consume(stop);
        ThrowIfFailed();
        if (first is null)
        {
            return false;
        }

        if (!admitted(first))
        {
            return true;
        }

        batch.Add(first);
        var deadline = Environment.TickCount64 + options.MaxBatchWaitMs;
        while (batch.Count < options.MaxBatchSize)
        {
            var remaining = deadline - Environment.TickCount64;
            var next = consumer.Consume(TimeSpan.FromMilliseconds(Math.Max(0, remaining)));
            ThrowIfFailed();
            if (next is null)
            {
                break;
            }

            if (admitted(next))
            {
                batch.Add(next);
            }
        }

        return true;
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } ex)
        {
            _failure = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }
    }
}
