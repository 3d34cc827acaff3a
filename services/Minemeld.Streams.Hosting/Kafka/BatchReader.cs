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

    /// <summary>
    /// Counts a batch on the consumed-messages counter of every node that reads its topics (<paramref name="nodesOf"/>),
    /// once per run of one topic rather than once per message.
    /// </summary>
    public static void CountConsumed(List<ConsumeResult<string, byte[]>> batch, Func<string, IReadOnlyList<string>> nodesOf)
    {
        var run = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            run++;
            if (i + 1 == batch.Count || batch[i + 1].Topic != batch[i].Topic)
            {
                foreach (var node in nodesOf(batch[i].Topic))
                {
                    Metrics.PipelineMetrics.Consumed.WithLabels(node, batch[i].Topic).Inc(run);
                }

                run = 0;
            }
        }
    }

    /// <summary>
    /// The offset to store per partition once a batch is durable: the one after its last message there (a partition's
    /// messages arrive in offset order). A batch reads from a few partitions: a linear search, and no
    /// <c>TopicPartition</c> made per message.
    /// </summary>
    public static List<KeyValuePair<(string Topic, int Partition), long>> NextOffsets(List<ConsumeResult<string, byte[]>> batch)
    {
        var next = new List<KeyValuePair<(string Topic, int Partition), long>>();
        foreach (var result in batch)
        {
            var i = 0;
            while (i < next.Count && (next[i].Key.Partition != result.Partition.Value || next[i].Key.Topic != result.Topic))
            {
                i++;
            }

            var after = result.Offset.Value + 1;
            if (i == next.Count)
            {
                next.Add(KeyValuePair.Create((result.Topic, result.Partition.Value), after));
            }
            else if (after > next[i].Value)
            {
                next[i] = KeyValuePair.Create(next[i].Key, after);
            }
        }

        return next;
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
