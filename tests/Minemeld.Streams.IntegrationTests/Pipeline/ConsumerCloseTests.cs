using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// librdkafka serves a consumer's statistics from inside <c>Close()</c> as well; a statistics handler that called back
/// into the client there (it asked for the assignment) deadlocked the close, and with it a worker's shutdown (seen once
/// in <see cref="ConsumerLagTests"/>). Consumers reporting statistics every 10 ms are closed one after another.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsumerCloseTests(KafkaFixture kafka)
{
    [Fact]
    public async Task AConsumerReportingStatisticsClosesWithoutHanging()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaFixture.UniqueName("close");
        await kafka.CreateTopicAsync(topic, 2);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        await harness.Publisher.PublishAsync([.. Enumerable.Range(0, 50).Select(i => PipelineHarness.Update(topic, $"10.1.0.{i}", "src", new JsonObject { ["type"] = "IPv4" }))], ct);
        var factory = new KafkaClientFactory(
            Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers, Assignor = "range", SessionTimeoutMs = 6000, StatisticsIntervalMs = 10 }),
            NullLogger<KafkaClientFactory>.Instance);

        for (var round = 0; round < 8; round++)
        {
            var assigned = new TaskCompletionSource();
            var consumer = factory.CreateConsumer(KafkaFixture.UniqueName("close-group"), $"close-{round}", new ConsumerCallbacks { Assigned = _ => assigned.TrySetResult() });
            consumer.Subscribe(topic);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!assigned.Task.IsCompleted || clock.ElapsedMilliseconds < 300)
            {
                _ = consumer.Consume(TimeSpan.FromMilliseconds(20));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the consumer was never assigned its partitions");
            }

            var close = Task.Run(() =>
            {
                consumer.Close();
                consumer.Dispose();
            }, ct);
            Assert.True(await Task.WhenAny(close, Task.Delay(TimeSpan.FromSeconds(30), ct)) == close, $"round {round}: Close() did not return within 30 s");
            await close;
        }
    }
}
