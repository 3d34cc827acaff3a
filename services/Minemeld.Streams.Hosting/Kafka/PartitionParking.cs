using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The partitions a role's consume loop has read to their end and paused
/// (<see cref="KafkaOptions.ParkIdlePartitions"/>), each with the offset it was parked at, and the waker thread that
/// resumes them: a parked partition is resumed when this process has something acknowledged there past that offset
/// (<see cref="PartitionActivity"/>), and every parked partition once per recheck interval, for what was written from
/// elsewhere. The loop can then block in <c>Consume</c> instead of polling thousands of idle partitions.
/// <para>
/// The loop parks, the waker resumes: both under one lock. A partition is parked only if no acknowledgement past its
/// end is known, and a wake resumes it only if it is parked, so an acknowledgement is never lost between the two.
/// </para>
/// </summary>
internal sealed partial class PartitionParking(string group, ILogger logger) : IDisposable
{
    /// <summary>How often the waker looks at the time (the recheck, a stop) when nothing wakes it.</summary>
    private static readonly TimeSpan WakerTick = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan NudgeTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<TopicPartition, long> _parked = [];

    private readonly Lock _gate = new();

    private long _nextRecheck;

    private int _count;

    private CancellationTokenSource? _wakerStop;

    private Thread? _waker;

    private PartitionActivity.Listener? _activity;

    /// <summary>How many partitions are parked now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Starts the waker thread over <paramref name="consumer"/>, which must stay open until <see cref="StopWaker"/>
    /// returned; <paramref name="recheckMs"/> (0: never) is how often every parked partition is resumed.
    /// </summary>
    public void StartWaker(IConsumer<string, byte[]> consumer, PartitionActivity.Listener activity, int recheckMs)
    {
        _activity = activity;
        _nextRecheck = Environment.TickCount64 + recheckMs;
        var stop = _wakerStop = new CancellationTokenSource();
        _waker = new Thread(() => RunWaker(consumer, activity, recheckMs, stop.Token))
        {
            IsBackground = true,
            Name = $"{group} waker",
        };
        _waker.Start();
    }

    /// <summary>
    /// Stops the waker (it calls into the consumer: it stops before the consumer closes) and forgets every parked
    /// partition.
    /// </summary>
    public void StopWaker()
    {
        _wakerStop?.Cancel();
        _activity?.Signal();
        _waker?.Join();
        _wakerStop?.Dispose();
        (_wakerStop, _waker, _activity) = (null, null, null);
        lock (_gate)
        {
            _parked.Clear();
            CountParked();
        }
    }

    /// <summary>
    /// A partition was read to <paramref name="end"/>: it is paused there (and sought to its end, so nothing fetched
    /// past it is skipped) unless something past the end is already acknowledged here.
    /// </summary>
    public void Park(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> end)
    {
        var partition = end.TopicPartition;
        lock (_gate)
        {
            if (_parked.ContainsKey(partition) || PartitionActivity.End(partition.Topic, partition.Partition.Value) > end.Offset.Value)
            {
                return;
            }

            consumer.Pause([partition]);
            consumer.Seek(end.TopicPartitionOffset);
            _parked[partition] = end.Offset.Value;
            CountParked();
        }
    }

    /// <summary>Whether <paramref name="partition"/> is parked, and at which offset.</summary>
    public bool TryGetParked(TopicPartition partition, out long at)
    {
        lock (_gate)
        {
            return _parked.TryGetValue(partition, out at);
        }
    }

    /// <summary>
    /// Partitions about to be revoked leave the parked ones resumed: no pause outlives the assignment.
    /// </summary>
    public void Unpark(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        lock (_gate)
        {
            var parked = partitions.Where(_parked.Remove).ToList();
            if (parked.Count > 0)
            {
                consumer.Resume(parked);
                CountParked();
            }
        }
    }

    /// <summary>
    /// Pauses <paramref name="partitions"/> for another reason (a full backlog): a wake must not resume them.
    /// </summary>
    public void PauseHeld(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        lock (_gate)
        {
            consumer.Pause(partitions);
            foreach (var partition in partitions)
            {
                _parked.Remove(partition);
            }

            CountParked();
        }
    }

    public void Dispose() => StopWaker();

    private void RunWaker(IConsumer<string, byte[]> consumer, PartitionActivity.Listener activity, int recheckMs, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            activity.Wait(WakerTick);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                Wake(consumer, activity, recheckMs);
            }
            catch (Exception ex) when (ex is KafkaException or ObjectDisposedException or InvalidOperationException)
            {
                // A partition revoked meanwhile, or the consumer closing: the loop's own handling covers both.
                LogWakeFailed(logger, ex, group);
            }
        }
    }

    /// <summary>
    /// Resumes the parked partitions this process has written past their end since; every parked partition once per
    /// <paramref name="recheckMs"/>, for what was written from elsewhere.
    /// </summary>
    private void Wake(IConsumer<string, byte[]> consumer, PartitionActivity.Listener activity, int recheckMs)
    {
        List<TopicPartition>? resume = null;
        lock (_gate)
        {
            while (activity.Woken.TryDequeue(out var woken))
            {
                var partition = new TopicPartition(woken.Topic, new Partition(woken.Partition));
                if (_parked.TryGetValue(partition, out var at) && PartitionActivity.End(woken.Topic, woken.Partition) > at)
                {
                    _parked.Remove(partition);
                    (resume ??= []).Add(partition);
                }
            }

            if (recheckMs > 0 && Environment.TickCount64 >= _nextRecheck)
            {
                _nextRecheck = Environment.TickCount64 + recheckMs;
                (resume ??= []).AddRange(_parked.Keys);
                _parked.Clear();
            }

            if (resume is not { Count: > 0 })
            {
                return;
            }

            consumer.Resume(resume);
            CountParked();
        }

        Nudge(consumer, resume[0]);
    }

    /// <summary>
    /// Wakes the client's fetcher for a partition just resumed. librdkafka applies a resume on its main thread and the
    /// broker thread notices it only when it next wakes, which with every partition paused is up to a second later; a
    /// request to the partition's leader (asking for its offsets) wakes that thread now, and its next pass sends the
    /// fetch. With several brokers, partitions led by another one may wait for that second.
    /// </summary>
    private void Nudge(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        try
        {
            consumer.QueryWatermarkOffsets(partition, NudgeTimeout);
        }
        catch (KafkaException ex)
        {
            // Only latency is at stake: the fetcher still looks within a second.
            LogNudgeFailed(logger, group, partition.Topic, partition.Partition.Value, ex.Error.Reason);
        }
    }

    private void CountParked()
    {
        var count = _parked.Count;
        PipelineMetrics.ParkedPartitions.WithLabels(group).Inc(count - _count);
        Volatile.Write(ref _count, count);
    }

    [LoggerMessage(EventId = 222, Level = LogLevel.Debug, Message = "Group {Group}: resuming parked partitions failed")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string group);

    [LoggerMessage(EventId = 221, Level = LogLevel.Debug, Message = "Group {Group}: asking for the offsets of {Topic} [{Partition}] to wake the fetcher failed: {Reason}")]
    private static partial void LogNudgeFailed(ILogger logger, string group, string topic, int partition, string reason);
}
