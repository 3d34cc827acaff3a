using System.Collections.Concurrent;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// What this process's producers have had acknowledged, per topic partition: the next offset after the last
/// acknowledged message. A consume loop that parks the partitions it read to their end
/// (<see cref="KafkaOptions.ParkIdlePartitions"/>) listens here and resumes a partition as soon as something new is
/// acknowledged in it. Process-wide on purpose: two runtimes in one process (replicas in a test, or a process that
/// hosts one graph twice) share one broker and must wake each other's consumers.
/// </summary>
public static class PartitionActivity
{
    private static readonly ConcurrentDictionary<(string Topic, int Partition), long> Ends = new();
    private static readonly Lock Gate = new();
    private static Listener[] _listeners = [];

    /// <summary>Whether any consume loop listens: producers keep track of their partitions only then.</summary>
    public static bool Observed => Volatile.Read(ref _listeners).Length > 0;

    /// <summary>The next offset after the last message acknowledged in a partition (0 when none was).</summary>
    public static long End(string topic, int partition) => Ends.GetValueOrDefault((topic, partition));

    /// <summary>Messages up to <paramref name="next"/> (exclusive) are acknowledged in a partition.</summary>
    public static void Acknowledged(string topic, int partition, long next)
    {
        Ends.AddOrUpdate((topic, partition), next, (_, known) => Math.Max(known, next));
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            if (listener.Topics.Contains(topic))
            {
                listener.Woken.Enqueue((topic, partition));
                listener.Signal();
            }
        }
    }

    /// <summary>Hears of acknowledgements in <paramref name="topics"/> until disposed.</summary>
    public static Listener Listen(IEnumerable<string> topics)
    {
        var listener = new Listener(topics.ToHashSet(StringComparer.Ordinal));
        lock (Gate)
        {
            Volatile.Write(ref _listeners, [.. _listeners, listener]);
        }

        return listener;
    }

    private static void Forget(Listener listener)
    {
        lock (Gate)
        {
            Volatile.Write(ref _listeners, [.. _listeners.Where(l => !ReferenceEquals(l, listener))]);
        }
    }

    /// <summary>
    /// The partitions of a consume loop's topics where something was acknowledged since its waker last looked.
    /// </summary>
    public sealed class Listener : IDisposable
    {
        private readonly object _monitor = new();
        private bool _signalled;

        internal Listener(HashSet<string> topics) => Topics = topics;

        internal HashSet<string> Topics { get; }

        /// <summary>Filled by producers' delivery threads, drained by the consume loop's waker thread.</summary>
        public ConcurrentQueue<(string Topic, int Partition)> Woken { get; } = new();

        /// <summary>
        /// Waits until something was enqueued since the last wait returned, or <paramref name="timeout"/> passed.
        /// Check <see cref="Woken"/> after it returns either way.
        /// </summary>
        public void Wait(TimeSpan timeout)
        {
            lock (_monitor)
            {
                if (!_signalled)
                {
                    Monitor.Wait(_monitor, timeout);
                }

                _signalled = false;
            }
        }

        public void Dispose() => Forget(this);

        internal void Signal()
        {
            lock (_monitor)
            {
                _signalled = true;
                Monitor.Pulse(_monitor);
            }
        }
    }
}
