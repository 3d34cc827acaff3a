using System.Text;
using Confluent.Kafka;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.EmbeddedKafka;

[Trait("Category", "Integration")]
public sealed class EmbeddedKafkaBrokerTests(KafkaFixture kafka)
{
    private static ConsumerConfig Consumer(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoOffsetStore = false,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
        SessionTimeoutMs = 6000,
    };

    [Fact]
    public async Task RealClientsProduceAndConsumeEveryMessageAcrossPartitions()
    {
        var topic = KafkaFixture.UniqueName("embedded");
        await kafka.CreateTopicAsync(topic, 4);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
        }).Build())
        {
            for (var i = 0; i < 10_000; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var partitions = new HashSet<int>();
        using var consumer = new ConsumerBuilder<string, string>(Consumer(kafka.BootstrapServers, KafkaFixture.UniqueName("group"))).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 10_000 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                continue;
            }

            seen.Add(result.Message.Value);
            partitions.Add(result.Partition.Value);
        }

        consumer.Close();
        Assert.Equal(10_000, seen.Count);
        Assert.Equal(4, partitions.Count);
    }

    [Fact]
    public async Task TopicsAreCreatedWithTheRequestedPartitions()
    {
        var topic = KafkaFixture.UniqueName("partitions");
        await kafka.CreateTopicAsync(topic, 6);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(6, Assert.Single(metadata.Topics).Partitions.Count);
    }

    [Fact]
    public void ABrokerGoesDownAndComesBackUp()
    {
        using var broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic("flaky", 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            MessageTimeoutMs = 1500,
            EnableIdempotence = true,
        }).Build();
        producer.Produce("flaky", new Message<Null, string> { Value = "before" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));

        broker.SetBrokerDown();
        var failed = 0;
        producer.Produce("flaky", new Message<Null, string> { Value = "while down" }, report => failed += report.Error.IsError ? 1 : 0);
        producer.Flush(TimeSpan.FromSeconds(10));
        Assert.Equal(1, failed);

        broker.SetBrokerUp();
        var delivered = false;
        producer.Produce("flaky", new Message<Null, string> { Value = "after" }, report => delivered = !report.Error.IsError);
        producer.Flush(TimeSpan.FromSeconds(15));
        Assert.True(delivered);
    }

    [Fact]
    public void TheSameLibrdkafkaServesTheBrokerAndTheClients()
    {
        Assert.True(Library.IsLoaded);
        Assert.True(File.Exists(EmbeddedKafkaBroker.NativeLibraryPath));
        Assert.Contains("librdkafka", Path.GetFileName(EmbeddedKafkaBroker.NativeLibraryPath), StringComparison.Ordinal);
        Assert.NotEmpty(Encoding.UTF8.GetBytes(Library.VersionString));
    }
}
