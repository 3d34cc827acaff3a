using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Metrics;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>The consumer-lag gauges, fed by librdkafka statistics of a real consume loop on the embedded broker.</summary>
[Trait("Category", "Integration")]
public sealed class ConsumerLagTests(KafkaFixture kafka)
{
    [Fact]
    public async Task LagIsReportedPerPartitionFallsToZeroAndGoesWithThePartitions()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaFixture.UniqueName("lag");
        var group = KafkaFixture.UniqueName("lag-group");
        await kafka.CreateTopicAsync(topic, 2);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        await harness.Publisher.PublishAsync([.. Enumerable.Range(0, 400).Select(i => PipelineHarness.Update(topic, $"10.0.{i / 256}.{i % 256}", "src", new JsonObject { ["type"] = "IPv4" }))], ct);

        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            Assignor = "range",
            SessionTimeoutMs = 6000,
            MaxBatchSize = 20,
            MaxBatchWaitMs = 0,
            StatisticsIntervalMs = 100,
        });
        var handler = new SlowHandler();
        using var service = new EdgeConsumerService(
            new Subscription(group, [topic]), handler, new KafkaClientFactory(options, NullLogger<KafkaClientFactory>.Instance), harness.Publisher, options, NullLogger<EdgeConsumerService>.Instance);
        await service.StartAsync(ct);

        IEnumerable<(string Partition, double Lag)> Series() =>
            ConsumerLag.Lag.GetAllLabelValues().Where(l => l[0] == group && l[2] == topic).Select(static l => (l[3], ConsumerLag.Lag.WithLabels(l).Value));

        // While the node works through its backlog, the lag is there (20 messages per 50 ms batch: about a second).
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(Series().Any(static s => s.Lag > 0)), "a positive lag while behind", TimeSpan.FromSeconds(30));
        Assert.True(Series().Sum(static s => s.Lag) <= 400);

        // Caught up: both partitions report zero.
        await PipelineHarness.EventuallyAsync(
            () => Task.FromResult(handler.Handled == 400 && Series().Count() == 2 && Series().All(static s => s.Lag == 0)),
            $"zero lag on both partitions once all 400 were handled (handled {handler.Handled}, series {string.Join(", ", Series())})",
            TimeSpan.FromSeconds(30));

        // Stopping gives the partitions up: their series go too, so a rebalance leaves no stale lag behind.
        await service.StopAsync(ct);
        Assert.Empty(Series());
    }

    private sealed class SlowHandler : IBatchHandler
    {
        private int _handled;

        public string Node => "lag";

        public int Handled => Volatile.Read(ref _handled);

        public async Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            await Task.Delay(50, cancellationToken);
            Interlocked.Add(ref _handled, batch.Count);
            return BatchCompletions.Done;
        }

        public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void Reset()
        {
        }
    }
}
