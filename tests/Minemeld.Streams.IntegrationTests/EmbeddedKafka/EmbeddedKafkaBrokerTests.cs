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
        // The broker's path is the file Confluent.Kafka loaded (asking for it makes Confluent.Kafka load it, whether or
        // not a test before this one already did).
        var path = EmbeddedKafkaBroker.NativeLibraryPath;
        Assert.True(Library.IsLoaded);
        Assert.True(File.Exists(path));
        Assert.Contains("librdkafka", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.NotEmpty(Encoding.UTF8.GetBytes(Library.VersionString));
    }

    [Fact]
    public void ABrokerOnAChosenAddressIsReachedThereByEveryClientAndAdvertisesIt()
    {
        // 127.0.0.2 is a loopback address the mock cluster never uses: a client that gets through at all came in by the
        // forwarder, and metadata must send it back there, not to the mock's own ephemeral port.
        using var broker = EmbeddedKafkaBroker.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        var port = broker.ListenEndPoint!.Port;
        Assert.Equal($"127.0.0.2:{port}", broker.BootstrapServers);
        broker.CreateTopic("fixed", 3);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            var advertised = Assert.Single(metadata.Brokers);
            Assert.Equal(("127.0.0.2", port), (advertised.Host, advertised.Port));
            Assert.Equal(3, metadata.Topics.Single(static t => t.Topic == "fixed").Partitions.Count);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, CompressionType = CompressionType.Lz4 }).Build())
        {
            for (var i = 0; i < 2_000; i++)
            {
                producer.Produce("fixed", new Message<string, string> { Key = $"k{i}", Value = new string('x', i % 500) + i });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        // A consumer group (coordinator, joins, fetches, commits) works through the same address.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var consumer = new ConsumerBuilder<string, string>(Consumer(broker.BootstrapServers, "fixed-group")).Build();
        consumer.Subscribe("fixed");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 2_000 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } result)
            {
                seen.Add(result.Message.Key);
                consumer.StoreOffset(result);
            }
        }

        consumer.Commit();
        consumer.Close();
        Assert.Equal(2_000, seen.Count);

        // A wildcard address needs to be told what to advertise.
        var error = Assert.Throws<ArgumentException>(() => EmbeddedKafkaBroker.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0)));
        Assert.Contains("clients should connect to", error.Message, StringComparison.Ordinal);
    }
}
