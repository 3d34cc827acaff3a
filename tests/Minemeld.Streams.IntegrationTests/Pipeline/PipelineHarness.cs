using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>Real clients and services wired by hand against the fixtures' broker (no host needed).</summary>
internal sealed class PipelineHarness : IDisposable
{
    public PipelineHarness(string bootstrap, int consumersPerSubscription = 1)
    {
        Options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = bootstrap,
            Assignor = "range",
            SessionTimeoutMs = 6000,
            MaxBatchWaitMs = 20,
            ConsumersPerSubscription = consumersPerSubscription,
        });
        Factory = new KafkaClientFactory(Options, NullLogger<KafkaClientFactory>.Instance);
        Publisher = new MessagePublisher(Factory);
    }

    public IOptions<KafkaOptions> Options { get; }

    public KafkaClientFactory Factory { get; }

    public MessagePublisher Publisher { get; }

    public EdgeConsumerService Consumer(Subscription subscription, IBatchHandler handler) =>
        new(subscription, handler, Factory, Publisher, Options, NullLogger<EdgeConsumerService>.Instance);

    public static OutgoingMessage Update(string topic, string indicator, string origin, JsonObject value) =>
        new(topic, indicator, IndicatorMessageSerializer.Serialize(new IndicatorMessage
        {
            Op = MessageOp.Update,
            Indicator = indicator,
            Type = value["type"]?.GetValue<string>(),
            Origin = origin,
            Value = value,
            Timestamp = DateTimeOffset.UtcNow,
        }));

    public static OutgoingMessage Withdraw(string topic, string indicator, string origin) =>
        new(topic, indicator, IndicatorMessageSerializer.Serialize(new IndicatorMessage
        {
            Op = MessageOp.Withdraw,
            Indicator = indicator,
            Origin = origin,
            Timestamp = DateTimeOffset.UtcNow,
        }));

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (no fixed sleeps).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"timed out waiting for {what}");
    }

    public void Dispose() => Publisher.Dispose();
}
