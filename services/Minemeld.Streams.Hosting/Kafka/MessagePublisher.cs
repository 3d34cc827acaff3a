using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The process's one producer (style.md B7). <see cref="PublishAsync"/> produces a batch and completes when every
/// message of it is acknowledged, or throws <see cref="ProduceFailedException"/>: callers store input offsets only
/// after it returns.
/// </summary>
public sealed class MessagePublisher : IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    private readonly IProducer<string, byte[]> _producer;

    public MessagePublisher(IKafkaClientFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _producer = factory.CreateProducer($"minemeld-{Environment.MachineName}-{Environment.ProcessId}");
    }

    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var tracker = new DeliveryTracker(messages.Count);
        foreach (var message in messages)
        {
            var kafkaMessage = new Message<string, byte[]> { Key = message.Key, Value = message.Value };
            while (true)
            {
                try
                {
                    _producer.Produce(message.Topic, kafkaMessage, tracker.Report);
                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // Back-pressure: let librdkafka drain its queue, then try again.
                    _producer.Poll(TimeSpan.FromMilliseconds(50));
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FlushTimeout);
        try
        {
            await tracker.Completion.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProduceFailedException($"{tracker.Pending} of {messages.Count} messages not acknowledged within {FlushTimeout.TotalSeconds} s");
        }

        if (tracker.FirstError is { } error)
        {
            throw new ProduceFailedException($"{tracker.Failed} of {messages.Count} messages failed: {error.Code} {error.Reason}");
        }
    }

    public void Dispose()
    {
        _producer.Flush(FlushTimeout);
        _producer.Dispose();
    }

    private sealed class DeliveryTracker(int count)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = count;
        private int _failed;

        public Task Completion => _done.Task;

        public int Pending => Volatile.Read(ref _pending);

        public int Failed => Volatile.Read(ref _failed);

        public Error? FirstError { get; private set; }

        public void Report(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                if (Interlocked.Increment(ref _failed) == 1)
                {
                    FirstError = report.Error;
                }
            }

            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.TrySetResult();
            }
        }
    }
}
