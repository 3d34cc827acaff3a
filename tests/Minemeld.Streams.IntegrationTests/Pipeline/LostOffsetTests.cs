using Minemeld.Streams.Hosting.Nodes.Outputs;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.Hosting.Redis;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// The embedded broker keeps about 5 MiB per partition and silently drops older batches (docs/architecture.md, "The embedded broker"). A consumer
/// whose committed offset was dropped must stop loudly, never skip the gap.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LostOffsetTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task ACommittedOffsetTheBrokerDroppedStopsTheNodeWithAnError()
    {
        if (kafka.Embedded is null)
        {
            Assert.Skip("needs the embedded broker's retention limit (a real cluster keeps the data)");
        }

        var topic = KafkaFixture.UniqueName("lossy");
        var group = KafkaFixture.UniqueName("group");
        await kafka.CreateTopicAsync(topic, 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var update = PipelineHarness.Update(topic, "10.0.0.1-10.0.0.1", "src", new JsonObject { ["type"] = "IPv4", ["pad"] = new string('x', 400) });

        // The group reads and commits the first message.
        await harness.Publisher.PublishAsync([update], TestContext.Current.CancellationToken);
        using (var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            SessionTimeoutMs = 6000,
        }).Build())
        {
            consumer.Subscribe(topic);
            var first = consumer.Consume(TimeSpan.FromSeconds(30));
            Assert.NotNull(first);
            consumer.Commit(first);
            consumer.Close();
        }

        // Then far more than the 5 MiB the partition keeps arrives, uncompressed: the committed offset is dropped.
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, CompressionType = CompressionType.None, LingerMs = 20 }).Build())
        {
            for (var i = 0; i < 20_000; i++)
            {
                producer.Produce(topic, new Message<string, byte[]> { Key = "k", Value = update.Value! });
            }

            producer.Flush(TestContext.Current.CancellationToken);
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        using (var probe = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = KafkaFixture.UniqueName("probe") }).Build())
        {
            var watermarks = probe.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
            Assert.True(watermarks.Low > 1, $"the broker kept everything (low watermark {watermarks.Low}); the test needs it to drop");
        }

        var connection = await redis.ConnectAsync();
        var handler = new FeedOutputHandler("feed", FeedOutputSettings.FromConfig([]), new RedisFeedStore(connection, KafkaFixture.UniqueName("g"), "feed"));
        var service = harness.Consumer(new Subscription(group, [topic]), handler);
        await service.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => service.FatalError is not null, $"the node to stop on the lost offset (rx {handler.Counters["update.rx"]}, assigned {service.HasAssignment}, restart {service.LastRestartCause?.GetType().Name}: {service.LastRestartCause?.Message})", TimeSpan.FromSeconds(40));
        await service.StopAsync(TestContext.Current.CancellationToken);
        Assert.Contains("messages were lost", service.FatalError, StringComparison.Ordinal);
        Assert.Equal(0, handler.Counters["update.rx"]);
    }
}
