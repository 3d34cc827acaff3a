using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Metrics;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A role loop that parks idle partitions (<see cref="KafkaOptions.ParkIdlePartitions"/>) on the embedded broker:
/// every partition read to its end is parked; a write acknowledged to this process's producer wakes exactly its
/// partition, and every node gets it once; a write from another producer is picked up by the recheck; lag is
/// reported by the loop (librdkafka's statistics are off), positive while behind and zero once parked.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PartitionParkingTests(KafkaFixture kafka)
{
    [Fact]
    public async Task PartitionsReadToTheirEndParkAndAWriteWakesItsPartition()
    {
        var ct = TestContext.Current.CancellationToken;
        var shared = KafkaFixture.UniqueName("park-shared");
        var other = KafkaFixture.UniqueName("park-other");
        await kafka.CreateTopicAsync(shared, 3);
        await kafka.CreateTopicAsync(other, 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(shared), 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(other), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers, parkIdle: true);
        var first = new Recorder("first");
        var second = new Recorder("second");
        using var loop = new RoleConsumerService(KafkaFixture.UniqueName("park-group"), [
            new NodeReader(first, [shared]),
            new NodeReader(second, [shared, other]),
        ], harness.Factory, harness.Publisher, harness.Options, NullLogger<RoleConsumerService>.Instance);
        await loop.StartAsync(ct);
        try
        {
            await harness.Publisher.PublishAsync(Messages(shared, 0, 30).Concat(Messages(other, 100, 5)), ct);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(first.Durable.Count == 30 && second.Durable.Count == 35), "both nodes to have the first messages");

            // Read to their ends, all four partitions park: nothing is fetched while nothing is written.
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(loop.ParkedPartitions == 4), $"every partition parked (parked {loop.ParkedPartitions})");

            // One write to the single-partition topic: its partition wakes, the node reading it gets it once, and it
            // parks again; the other node sees nothing.
            await harness.Publisher.PublishAsync(Messages(other, 200, 1), ct);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(second.Durable.Count == 36), "the write to reach the node reading its topic", TimeSpan.FromSeconds(10));
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(loop.ParkedPartitions == 4), "the woken partition parked again");
            Assert.Equal(30, first.Durable.Count);

            // Writes into parked partitions of the shared topic, one batch after another: each reaches both nodes once.
            for (var round = 0; round < 5; round++)
            {
                await harness.Publisher.PublishAsync(Messages(shared, 300 + (10 * round), 10), ct);
                var want = 40 + (10 * round);
                await PipelineHarness.EventuallyAsync(() => Task.FromResult(first.Durable.Count == want), $"round {round} to reach the first node", TimeSpan.FromSeconds(10));
            }

            await PipelineHarness.EventuallyAsync(() => Task.FromResult(second.Durable.Count == 86), "every round to reach the second node");
            Assert.Equal(80, first.Durable.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(86, second.Durable.Distinct(StringComparer.Ordinal).Count());
            Assert.Null(loop.FatalError);
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
        }

        Assert.Equal(0, loop.ParkedPartitions);
    }

    [Fact]
    public async Task AWriteFromAnotherProducerIsPickedUpByTheRecheck()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaFixture.UniqueName("park-outside");
        await kafka.CreateTopicAsync(topic, 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(topic), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers, parkIdle: true);
        harness.Options.Value.ParkedRecheckMs = 500;
        var node = new Recorder("node");
        using var loop = new RoleConsumerService(KafkaFixture.UniqueName("park-outside-group"), [new NodeReader(node, [topic])],
            harness.Factory, harness.Publisher, harness.Options, NullLogger<RoleConsumerService>.Instance);
        await loop.StartAsync(ct);
        try
        {
            await harness.Publisher.PublishAsync(Messages(topic, 0, 3), ct);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(node.Durable.Count == 3 && loop.ParkedPartitions == 1), "the first messages read and the partition parked");

            // A producer this process's publisher knows nothing about (another process, a replayed dump).
            using (var outsider = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
            {
                var message = Messages(topic, 50, 1).Single();
                await outsider.ProduceAsync(topic, new Message<string, byte[]> { Key = message.Key, Value = message.Value! }, ct);
            }

            await PipelineHarness.EventuallyAsync(() => Task.FromResult(node.Durable.Count == 4), "the recheck to resume the partition and read the outside write", TimeSpan.FromSeconds(15));
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(loop.ParkedPartitions == 1), "the partition parked again");
            Assert.Equal(["i0", "i1", "i2", "i50"], node.Durable.Order(StringComparer.Ordinal));
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task TheLoopReportsLagWhileBehindAndZeroOnceParked()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaFixture.UniqueName("park-lag");
        var group = KafkaFixture.UniqueName("park-lag-group");
        await kafka.CreateTopicAsync(topic, 2);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(topic), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers, parkIdle: true);
        harness.Options.Value.StatisticsIntervalMs = 100;
        harness.Options.Value.MaxBatchSize = 20;
        harness.Options.Value.MaxBatchesInFlight = 1;
        await harness.Publisher.PublishAsync(Messages(topic, 0, 400), ct);
        var node = new Recorder("lagging") { Delay = TimeSpan.FromMilliseconds(50) };
        using var loop = new RoleConsumerService(group, [new NodeReader(node, [topic])],
            harness.Factory, harness.Publisher, harness.Options, NullLogger<RoleConsumerService>.Instance);

        IEnumerable<(string Partition, double Lag)> Series() =>
            ConsumerLag.Lag.GetAllLabelValues().Where(l => l[0] == group && l[1] == "lagging" && l[2] == topic).Select(static l => (l[3], ConsumerLag.Lag.WithLabels(l).Value));

        await loop.StartAsync(ct);
        try
        {
            // 20 messages per 50 ms batch: about a second behind, with the lag reported by the loop itself.
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(Series().Any(static s => s.Lag > 0)), "a positive lag while behind", TimeSpan.FromSeconds(30));
            Assert.True(Series().Sum(static s => s.Lag) <= 400);
            await PipelineHarness.EventuallyAsync(
                () => Task.FromResult(node.Durable.Count == 400 && loop.ParkedPartitions == 2 && Series().Count() == 2 && Series().All(static s => s.Lag == 0)),
                $"zero lag on both parked partitions (handled {node.Durable.Count}, series {string.Join(", ", Series())})",
                TimeSpan.FromSeconds(30));
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
        }

        Assert.Empty(Series());
    }

    private static IEnumerable<OutgoingMessage> Messages(string topic, int from, int count) =>
        Enumerable.Range(from, count).Select(i => PipelineHarness.Update(topic, $"i{i}", "src", new JsonObject { ["type"] = "IPv4" }));

    /// <summary>Records the indicators whose batches became durable, after an optional delay per batch.</summary>
    private sealed class Recorder(string node) : IBatchHandler
    {
        public string Node { get; } = node;

        public TimeSpan Delay { get; init; }

        public ConcurrentQueue<string> Durable { get; } = new();

        public async Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            var indicators = batch.Select(static m => m.Message.Indicator).ToList();
            return () =>
            {
                foreach (var indicator in indicators)
                {
                    Durable.Enqueue(indicator);
                }

                return Task.CompletedTask;
            };
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
