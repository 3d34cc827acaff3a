using System.Collections.Concurrent;
using Confluent.Kafka;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>The factory seam with scripted clients: consumers hand out queued results, producers ack at once.</summary>
internal sealed class FakeKafka : IKafkaClientFactory
{
    public ConcurrentQueue<ConsumeResult<string, byte[]>> Pending { get; } = new();

    public List<FakeConsumer> Consumers { get; } = [];

    public List<(string Topic, Message<string, byte[]> Message)> Produced { get; } = [];

    /// <summary>What happened, in order: "handle:…", "store:topic/partition@offset", "close".</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    public IProducer<string, byte[]> CreateProducer(string clientId) => new FakeProducer(this);

    public IConsumer<string, byte[]> CreateConsumer(string groupId, string clientId, ConsumerCallbacks callbacks)
    {
        var consumer = new FakeConsumer(this);
        lock (Consumers)
        {
            Consumers.Add(consumer);
        }

        return consumer;
    }

    public IAdminClient CreateAdminClient(string clientId) => throw new NotSupportedException();

    public static ConsumeResult<string, byte[]> Result(string topic, int partition, long offset, byte[] value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<string, byte[]> { Key = "k", Value = value },
    };

    internal sealed class FakeConsumer(FakeKafka kafka) : IConsumer<string, byte[]>
    {
        public int Closed { get; private set; }

        public List<string> Subscribed { get; } = [];

        public string MemberId => "fake";

        public List<TopicPartition> Assignment => [];

        public List<string> Subscription => Subscribed;

        public IConsumerGroupMetadata ConsumerGroupMetadata => throw new NotSupportedException();

        public Handle Handle => throw new NotSupportedException();

        public string Name => "fake-consumer";

        public ConsumeResult<string, byte[]> Consume(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (kafka.Pending.TryDequeue(out var result))
                {
                    return result;
                }

                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(5);
            }
        }

        public ConsumeResult<string, byte[]> Consume(TimeSpan timeout) => kafka.Pending.TryDequeue(out var result) ? result : null!;

        public ConsumeResult<string, byte[]> Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

        public void StoreOffset(ConsumeResult<string, byte[]> result) => kafka.Events.Enqueue($"store:{result.Topic}/{result.Partition.Value}@{result.Offset.Value}");

        public void StoreOffset(TopicPartitionOffset offset) => kafka.Events.Enqueue($"store:{offset.Topic}/{offset.Partition.Value}@{offset.Offset.Value}");

        public void Close()
        {
            Closed++;
            kafka.Events.Enqueue("close");
        }

        public void Subscribe(IEnumerable<string> topics) => Subscribed.AddRange(topics);

        public void Subscribe(string topic) => Subscribed.Add(topic);

        public void Dispose()
        {
        }

        public void Unsubscribe() => throw new NotSupportedException();

        public void Assign(TopicPartition partition) => throw new NotSupportedException();

        public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

        public void Assign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

        public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

        public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

        public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

        public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

        public void Unassign() => throw new NotSupportedException();

        public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

        public void Commit(IEnumerable<TopicPartitionOffset> offsets) => throw new NotSupportedException();

        public void Commit(ConsumeResult<string, byte[]> result) => throw new NotSupportedException();

        public void Seek(TopicPartitionOffset tpo) => throw new NotSupportedException();

        public void Pause(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

        public void Resume(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

        public List<TopicPartitionOffset> Committed(TimeSpan timeout) => throw new NotSupportedException();

        public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => throw new NotSupportedException();

        public Offset Position(TopicPartition partition) => throw new NotSupportedException();

        public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) => throw new NotSupportedException();

        public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => throw new NotSupportedException();

        public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => throw new NotSupportedException();

        public int AddBrokers(string brokers) => throw new NotSupportedException();

        public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();
    }

    private sealed class FakeProducer(FakeKafka kafka) : IProducer<string, byte[]>
    {
        public Handle Handle => throw new NotSupportedException();

        public string Name => "fake-producer";

        public void Produce(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null)
        {
            lock (kafka.Produced)
            {
                kafka.Produced.Add((topic, message));
            }

            deliveryHandler?.Invoke(new DeliveryReport<string, byte[]> { Message = message, Error = new Error(ErrorCode.NoError), TopicPartitionOffset = new TopicPartitionOffset(topic, 0, 0) });
        }

        public void Produce(TopicPartition topicPartition, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null) =>
            Produce(topicPartition.Topic, message, deliveryHandler);

        public Task<DeliveryResult<string, byte[]>> ProduceAsync(string topic, Message<string, byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DeliveryResult<string, byte[]>> ProduceAsync(TopicPartition topicPartition, Message<string, byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public int Poll(TimeSpan timeout) => 0;

        public int Flush(TimeSpan timeout) => 0;

        public void Flush(CancellationToken cancellationToken = default)
        {
        }

        public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();

        public void BeginTransaction() => throw new NotSupportedException();

        public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();

        public void CommitTransaction() => throw new NotSupportedException();

        public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();

        public void AbortTransaction() => throw new NotSupportedException();

        public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();

        public int AddBrokers(string brokers) => throw new NotSupportedException();

        public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
