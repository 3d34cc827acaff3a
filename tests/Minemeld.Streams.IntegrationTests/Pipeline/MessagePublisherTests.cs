using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// The publisher produces a sequence while it is enumerated (a miner's emissions are on the wire while later ones
/// are still encoded) and returns only when every message is acknowledged: callers store input offsets after it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MessagePublisherTests(KafkaFixture kafka)
{
    [Fact]
    public async Task ALazySequenceIsProducedWhileEnumeratedAndFullyAcknowledgedOnReturn()
    {
        var topic = KafkaFixture.UniqueName("lazy");
        await kafka.CreateTopicAsync(topic, 3);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var enumerated = 0;

        await harness.Publisher.PublishAsync(Messages(topic, 3_000).Select(m =>
        {
            enumerated++;
            return m;
        }), TestContext.Current.CancellationToken);

        Assert.Equal(3_000, enumerated);
        Assert.Equal(3_000, HighWatermarks(topic, 3));
    }

    [Fact]
    public async Task AnEmptySequenceCompletesAtOnce()
    {
        using var harness = new PipelineHarness(kafka.BootstrapServers);

        await harness.Publisher.PublishAsync([], TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ASequenceThatFailsMidwayFailsThePublishAndTheNextPublishStillCompletes()
    {
        var topic = KafkaFixture.UniqueName("broken");
        await kafka.CreateTopicAsync(topic, 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Publisher.PublishAsync(
            Messages(topic, 10).Concat(Enumerable.Range(0, 1).Select<int, OutgoingMessage>(static _ => throw new InvalidOperationException("encoding failed"))),
            TestContext.Current.CancellationToken));
        Assert.Equal("encoding failed", error.Message);

        // The caller stores no offsets after a failure; the publisher itself is not poisoned by it.
        await harness.Publisher.PublishAsync(Messages(topic, 5), TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(HighWatermarks(topic, 1) == 15), "the 10 produced before the failure and the 5 after are on the topic");
    }

    private static IEnumerable<OutgoingMessage> Messages(string topic, int count) =>
        Enumerable.Range(0, count).Select(i => PipelineHarness.Update(topic, $"10.{i / 65_536}.{i / 256 % 256}.{i % 256}", "src", new JsonObject { ["type"] = "IPv4" }));

    private long HighWatermarks(string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = KafkaFixture.UniqueName("watermarks") }).Build();
        return Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }
}
