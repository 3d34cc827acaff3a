using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// Holds a consumer's other topics back while it reads one topic's partitions to the end they had when its
/// assignment last changed. An aggregator applies an input message itself only for the address blocks whose
/// repartition partitions it owns; what was forwarded into those partitions before (by the previous owner of an
/// input partition, or by this consumer before it owned the block) must be applied first, or a later message of an
/// indicator would overtake an earlier one. So at every assignment: every owned partition of the topic whose read
/// position is below its high watermark is pending, and until none is, a message from any other topic pauses its
/// partition and seeks it back to that message (it is read again on resume; nothing is skipped or reordered).
/// A role's shared consumer gates on every aggregator's repartition topic at once: until all of them are caught up,
/// no input message goes to any node (that is only at an assignment, and repartition topics are short).
/// Used only from the consume loop's thread (rebalance callbacks run there too).
/// </summary>
internal sealed class CatchUpGate(IReadOnlySet<string> topics)
{
    public CatchUpGate(string topic)
        : this(new HashSet<string>(StringComparer.Ordinal) { topic })
    {
    }

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The next offset to read per owned partition of the topic (<see cref="Offset.Beginning"/> until known).
    /// </summary>
    private readonly Dictionary<TopicPartition, Offset> _next = [];

    /// <summary>The offset each pending partition must be read up to (its high watermark at the assignment).</summary>
    private readonly Dictionary<TopicPartition, long> _pending = [];

    /// <summary>Paused partitions of the other topics, sought back to their first held message.</summary>
    private readonly HashSet<TopicPartition> _held = [];

    /// <summary>
    /// Partitions were assigned (with their start offsets): every owned partition of the topic is measured against
    /// its high watermark now. The caller has made its own earlier sends durable, so they are below it.
    /// </summary>
    public void Assigned(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartitionOffset> starts)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(starts);
        foreach (var start in starts.Where(s => topics.Contains(s.Topic)))
        {
            _next[start.TopicPartition] = start.Offset;
        }

        foreach (var (partition, next) in _next)
        {
            var marks = consumer.QueryWatermarkOffsets(partition, QueryTimeout);
            var position = next.IsSpecial ? marks.Low.Value : next.Value;
            if (position < marks.High.Value)
            {
                _pending[partition] = marks.High.Value;
            }
            else
            {
                _pending.Remove(partition);
            }
        }
    }

    /// <summary>Whether the gate holds <paramref name="partition"/> paused (only it may resume it).</summary>
    public bool Holds(TopicPartition partition) => _held.Contains(partition);

    public void Revoked(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            _next.Remove(partition);
            _pending.Remove(partition);
            _held.Remove(partition);
        }

        ReleaseIfDone(consumer);
    }

    /// <summary>
    /// Whether <paramref name="result"/> goes to the handler now. A message of the topic always does (and may end
    /// the catch-up); any other is held back while the catch-up lasts.
    /// </summary>
    public bool Admit(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> result)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(result);
        if (topics.Contains(result.Topic))
        {
            var next = result.Offset.Value + 1;
            _next[result.TopicPartition] = next;
            if (_pending.TryGetValue(result.TopicPartition, out var target) && next >= target)
            {
                _pending.Remove(result.TopicPartition);
                ReleaseIfDone(consumer);
            }

            return true;
        }

        if (_pending.Count == 0)
        {
            return true;
        }

        // Seek only on the first held message: later ones of the partition (fetched before the pause) lie after it.
        if (_held.Add(result.TopicPartition))
        {
            consumer.Pause([result.TopicPartition]);
            consumer.Seek(result.TopicPartitionOffset);
        }

        return false;
    }

    private void ReleaseIfDone(IConsumer<string, byte[]> consumer)
    {
        if (_pending.Count == 0 && _held.Count > 0)
        {
            consumer.Resume(_held);
            _held.Clear();
        }
    }
}
