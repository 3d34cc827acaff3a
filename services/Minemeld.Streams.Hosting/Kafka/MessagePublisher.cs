using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The process's one producer (docs/architecture.md, "Conventions in the code"). <see cref="PublishAsync"/> produces a
/// batch and completes when every message of it is acknowledged, or throws <see cref="ProduceFailedException"/>:
/// callers store input offsets only after it returns.
/// </summary>
public sealed class MessagePublisher : IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    private readonly IProducer<string, byte[]> _producer;

    /// <summary>The topics placed by <see cref="EdgePartitioner"/>, each with one destination per partition.</summary>
    private readonly ConcurrentDictionary<string, TopicPartition[]> _placed = new(StringComparer.Ordinal);

    public MessagePublisher(IKafkaClientFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _producer = factory.CreateProducer($"minemeld-{Environment.MachineName}-{Environment.ProcessId}");
    }

    /// <summary>
    /// From now on, messages to these topics go to the partition <see cref="EdgePartitioner"/> gives their key (or
    /// the one their sender chose), computed with the topic's partition count here: a graph's topics, as the graph
    /// declares and creates them. Any other topic is left to librdkafka's partitioner.
    /// </summary>
    public void Place(IEnumerable<(string Topic, int Partitions)> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        foreach (var (topic, partitions) in topics)
        {
            _placed[topic] = [.. Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p))];
        }
    }

    /// <summary>
    /// Fetches the metadata of every topic through the producer's own handle, so that the first message to each topic
    /// finds its partition leaders known. Without it each new topic costs a metadata round trip at its first produce,
    /// and a graph of a thousand feeds, each publishing its first batch to its table topic at start-up, queues them by
    /// the hundred. A failure only leaves the first produces to ask again.
    /// </summary>
    public void LearnTopics(TimeSpan timeout)
    {
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        try
        {
            admin.GetMetadata(timeout);
        }
        catch (KafkaException)
        {
            // The broker is not answering yet: each topic's first produce asks for its own metadata, as without this.
        }
    }

    /// <summary>
    /// Produces <paramref name="messages"/> as they are enumerated (a lazy sequence is encoded while earlier messages
    /// are already on their way) and completes when every one of them is acknowledged. The messages are all handed to
    /// the producer before this returns; the task then holds only a count, not the messages (librdkafka has its own
    /// copies), so a batch waiting for its acks does not keep its values alive for the garbage collector to promote.
    /// A message's value is read only while it is produced, before the next one is taken from the sequence: a lazy
    /// sequence may hand out arrays it reuses (<see cref="Nodes.EmissionEncoder.EncodeTransient"/>).
    /// </summary>
    public Task PublishAsync(IEnumerable<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        DeliveryTracker tracker;
        try
        {
            tracker = Produce(messages, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }

        var count = tracker.Sealed();
        return count == 0 ? Task.CompletedTask : AcknowledgedAsync(tracker, count, cancellationToken);
    }

    private static async Task AcknowledgedAsync(DeliveryTracker tracker, int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FlushTimeout);
        try
        {
            await tracker.Completion.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics.PipelineMetrics.ProduceTimeouts.Inc();
            throw new ProduceFailedException($"{tracker.Pending} of {count} messages not acknowledged within {FlushTimeout.TotalSeconds} s");
        }

        if (tracker.FirstError is { } error)
        {
            throw new ProduceFailedException($"{tracker.Failed} of {count} messages failed: {error.Code} {error.Reason}");
        }
    }

    private DeliveryTracker Produce(IEnumerable<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var tracker = new DeliveryTracker();
        // One message object for the batch: the client reads it only during Produce (librdkafka copies key and value,
        // and the delivery report carries the status alone), so it is not allocated again for every message.
        // Its (empty) headers too: the client makes a new Headers for every message that has none.
        var kafkaMessage = new Message<string, byte[]> { Headers = [] };
        string? topic = null;
        TopicPartition[]? partitions = null;
        foreach (var message in messages)
        {
            // A null value is a tombstone (table topics): the byte-array serializer hands librdkafka no value at all.
            (kafkaMessage.Key, kafkaMessage.Value) = (message.Key, message.Value!);
            if (!ReferenceEquals(message.Topic, topic))
            {
                topic = message.Topic;
                partitions = _placed.GetValueOrDefault(topic);
            }

            var destination = partitions is not null
                ? partitions[message.Partition == OutgoingMessage.ByKey ? EdgePartitioner.ForKey(message.Key, partitions.Length) : message.Partition]
                : message.Partition == OutgoingMessage.ByKey ? null : new TopicPartition(topic, message.Partition);
            tracker.Producing();
            while (true)
            {
                try
                {
                    if (destination is null)
                    {
                        _producer.Produce(topic, kafkaMessage, tracker.Handler);
                    }
                    else
                    {
                        _producer.Produce(destination, kafkaMessage, tracker.Handler);
                    }

                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // Back-pressure: let librdkafka drain its queue, then try again.
                    _producer.Poll(TimeSpan.FromMilliseconds(50));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                catch
                {
                    tracker.Abandoned();
                    throw;
                }
            }
        }

        return tracker;
    }

    public void Dispose()
    {
        _producer.Flush(FlushTimeout);
        _producer.Dispose();
    }

    /// <summary>
    /// Counts acknowledgements of a sequence whose length is known only at its end: one extra pending count is held
    /// while producing and released by <see cref="Sealed"/>, so completion cannot fire early.
    /// </summary>
    private sealed class DeliveryTracker
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = 1;
        private int _produced;
        private int _failed;

        /// <summary>
        /// The next offset after the last acknowledged message per partition written, kept only while a consume loop
        /// listens (<see cref="PartitionActivity"/>); written by the producer's delivery thread alone.
        /// </summary>
        private readonly List<(string Topic, int Partition, long Next)>? _written = PartitionActivity.Observed ? [] : null;

        public DeliveryTracker() => Handler = Report;

        /// <summary>
        /// <see cref="Report"/> as one delegate for every message (a method group would allocate one per message).
        /// </summary>
        public Action<DeliveryReport<string, byte[]>> Handler { get; }

        public Task Completion => _done.Task;

        public int Pending => Volatile.Read(ref _pending);

        public int Failed => Volatile.Read(ref _failed);

        public Error? FirstError { get; private set; }

        public void Producing()
        {
            _produced++;
            Interlocked.Increment(ref _pending);
        }

        /// <summary>The message announced by <see cref="Producing"/> was not handed to the producer.</summary>
        public void Abandoned()
        {
            _produced--;
            Interlocked.Decrement(ref _pending);
        }

        /// <summary>Every message is handed over; returns how many.</summary>
        public int Sealed()
        {
            Release();
            return _produced;
        }

        public void Report(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                if (Interlocked.Increment(ref _failed) == 1)
                {
                    FirstError = report.Error;
                }
            }
            else if (_written is not null)
            {
                Written(report.Topic, report.Partition.Value, report.Offset.Value + 1);
            }

            Release();
        }

        private void Written(string topic, int partition, long next)
        {
            // A batch writes to few partitions (one topic's, mostly): a list beats a dictionary here.
            for (var i = 0; i < _written!.Count; i++)
            {
                var (t, p, known) = _written[i];
                if (p == partition && string.Equals(t, topic, StringComparison.Ordinal))
                {
                    if (next > known)
                    {
                        _written[i] = (t, p, next);
                    }

                    return;
                }
            }

            _written.Add((topic, partition, next));
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                if (_written is not null)
                {
                    // Before the batch's caller goes on: whoever reads these partitions is woken first.
                    foreach (var (topic, partition, next) in _written)
                    {
                        PartitionActivity.Acknowledged(topic, partition, next);
                    }
                }

                _done.TrySetResult();
            }
        }
    }
}
