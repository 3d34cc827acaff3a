using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// One role's shared loop serving several nodes on the embedded broker: a node whose handler throws, or whose
/// completion fails, is quarantined and reported while the others go on; it is retried alone and then has every
/// message exactly once after its last durable batch; and the offsets it had not finished stay uncommitted, so a
/// loop started after a stop hands them out again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RoleConsumerIsolationTests(KafkaFixture kafka)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AFailingNodeIsRetriedAloneWhileTheOthersGoOn(bool throwOnApply)
    {
        var shared = KafkaFixture.UniqueName("iso-shared");
        var other = KafkaFixture.UniqueName("iso-other");
        await kafka.CreateTopicAsync(shared, 2);
        await kafka.CreateTopicAsync(other, 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(shared), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var group = KafkaFixture.UniqueName("iso-group");
        var healthy = new Recorder("healthy");
        var second = new Recorder("second");
        var flaky = new Recorder("flaky") { Failing = true, ThrowOnApply = throwOnApply };
        var loop = Loop(harness, group, healthy, second, flaky, shared, other);
        await loop.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await harness.Publisher.PublishAsync(Messages(shared, 0, 40).Concat(Messages(other, 0, 10)), TestContext.Current.CancellationToken);

            // The healthy nodes have everything while the flaky one is quarantined and says so.
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(healthy.Durable.Count == 40 && second.Durable.Count == 50), "the healthy nodes to have every message");
            var flakyStatus = loop.Nodes.Single(static n => n.Node == "flaky");
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(flakyStatus.FatalError is not null), "the flaky node to be reported");
            Assert.Contains("retried alone", flakyStatus.FatalError, StringComparison.Ordinal);
            Assert.Null(loop.Nodes.Single(static n => n.Node == "healthy").FatalError);
            Assert.Empty(flaky.Durable);

            // More comes while it is failing, then it recovers: every message once, in order per partition.
            await harness.Publisher.PublishAsync(Messages(shared, 40, 20), TestContext.Current.CancellationToken);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(healthy.Durable.Count == 60), "the healthy node to have the later messages");
            Assert.True(flaky.Attempts > 1, "the flaky node was retried");
            flaky.Failing = false;
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(flaky.Durable.Count == 60), "the flaky node to catch up after its retry");
            Assert.Null(flakyStatus.FatalError);
            Assert.Equal(healthy.Durable.Order(StringComparer.Ordinal), flaky.Durable.Order(StringComparer.Ordinal));
            Assert.Equal(60, flaky.Durable.Distinct(StringComparer.Ordinal).Count());
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
            loop.Dispose();
        }

        // Everything was durable everywhere: a new loop of the group gets nothing again.
        var fresh = new Recorder("healthy");
        var again = Loop(harness, group, fresh, new Recorder("second"), new Recorder("flaky"), shared, other);
        await again.StartAsync(TestContext.Current.CancellationToken);
        await harness.Publisher.PublishAsync(Messages(shared, 60, 1), TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(!fresh.Durable.IsEmpty), "the new loop to read the next message");
        await again.StopAsync(CancellationToken.None);
        again.Dispose();
        Assert.Equal(["i60"], fresh.Durable);
    }

    [Fact]
    public async Task WhatAQuarantinedNodeHasNotFinishedIsReadAgainAfterAStop()
    {
        var shared = KafkaFixture.UniqueName("hold-shared");
        await kafka.CreateTopicAsync(shared, 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(shared), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var group = KafkaFixture.UniqueName("hold-group");
        var healthy = new Recorder("healthy");
        var flaky = new Recorder("flaky") { Failing = true, ThrowOnApply = true };
        var loop = Loop(harness, group, healthy, new Recorder("second"), flaky, shared, null);
        await loop.StartAsync(TestContext.Current.CancellationToken);
        await harness.Publisher.PublishAsync(Messages(shared, 0, 5), TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(healthy.Durable.Count == 5), "the healthy node to have every message");
        await loop.StopAsync(CancellationToken.None);
        loop.Dispose();

        // The stored offset stayed at the flaky node's first unfinished message: all five come again, to everyone.
        var replayedHealthy = new Recorder("healthy");
        var replayedFlaky = new Recorder("flaky");
        var again = Loop(harness, group, replayedHealthy, new Recorder("second"), replayedFlaky, shared, null);
        await again.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(replayedFlaky.Durable.Count == 5), "the replay to reach the flaky node");
        await again.StopAsync(CancellationToken.None);
        again.Dispose();
        Assert.Equal(healthy.Durable, replayedHealthy.Durable);
    }

    [Fact]
    public async Task AFullBacklogPausesTheNodesPartitionsUntilItRecovers()
    {
        var shared = KafkaFixture.UniqueName("full-shared");
        await kafka.CreateTopicAsync(shared, 1);
        await kafka.CreateTopicAsync(TopicNames.DeadLetter(shared), 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        harness.Options.Value.MaxNodeBacklog = 5;
        var healthy = new Recorder("healthy");
        var flaky = new Recorder("flaky") { Failing = true, ThrowOnApply = true };
        var loop = Loop(harness, KafkaFixture.UniqueName("full-group"), healthy, new Recorder("second"), flaky, shared, null);
        await loop.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            // One batch of 10 fills the flaky node's backlog: the shared partition pauses behind it.
            await harness.Publisher.PublishAsync(Messages(shared, 0, 10), TestContext.Current.CancellationToken);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(healthy.Durable.Count == 10), "the first batch everywhere but the flaky node");
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(flaky.Attempts > 1), "the flaky node to be retried");
            await harness.Publisher.PublishAsync(Messages(shared, 10, 10), TestContext.Current.CancellationToken);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(flaky.Attempts > 3), "more retries while paused");
            Assert.Equal(10, healthy.Durable.Count);

            // Once the node recovers, the partition resumes: everyone has all twenty, the flaky node each once.
            flaky.Failing = false;
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(healthy.Durable.Count == 20 && flaky.Durable.Count == 20), "the partition to resume after the recovery");
            Assert.Equal(healthy.Durable, flaky.Durable);
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
            loop.Dispose();
        }
    }

    private static RoleConsumerService Loop(PipelineHarness harness, string group, Recorder healthy, Recorder second, Recorder flaky, string shared, string? other) =>
        new(group, [
            new NodeReader(healthy, [shared]),
            new NodeReader(second, other is null ? [shared] : [shared, other]),
            new NodeReader(flaky, [shared]),
        ], harness.Factory, harness.Publisher, harness.Options, NullLogger<RoleConsumerService>.Instance);

    private static IEnumerable<OutgoingMessage> Messages(string topic, int from, int count) =>
        Enumerable.Range(from, count).Select(i => PipelineHarness.Update(topic, $"i{i}", "src", new JsonObject { ["type"] = "IPv4" }));

    /// <summary>
    /// Records the indicators whose batches became durable. While <see cref="Failing"/>, it throws from ApplyAsync
    /// (or its completion fails, as a state write would), counting the attempts.
    /// </summary>
    private sealed class Recorder(string node) : IBatchHandler
    {
        private volatile bool _failing;

        public string Node { get; } = node;

        public bool Failing { get => _failing; set => _failing = value; }

        public bool ThrowOnApply { get; init; }

        public int Attempts { get; private set; }

        public ConcurrentQueue<string> Durable { get; } = new();

        public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                Attempts++;
                if (ThrowOnApply)
                {
                    throw new InvalidDataException($"{Node} cannot apply this batch");
                }

                return Task.FromResult<BatchCompletion>(static () => Task.FromException(new TimeoutException("the state store did not answer")));
            }

            var indicators = batch.Select(static m => m.Message.Indicator).ToList();
            return Task.FromResult<BatchCompletion>(() =>
            {
                foreach (var indicator in indicators)
                {
                    Durable.Enqueue(indicator);
                }

                return Task.CompletedTask;
            });
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
