using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>Real clients and services wired by hand against the fixtures' broker (no host needed).</summary>
internal sealed class PipelineHarness : IDisposable
{
    public PipelineHarness(string bootstrap, int consumersPerSubscription = 1, string layout = "role", bool parkIdle = false)
    {
        Options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = bootstrap,
            Assignor = "range",
            SessionTimeoutMs = 6000,
            MaxBatchWaitMs = 20,
            ConsumersPerSubscription = consumersPerSubscription,
            Layout = layout,
            ParkIdlePartitions = parkIdle,
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

    /// <summary>
    /// Reads <paramref name="topic"/> from its start with a group of its own until <paramref name="expected"/> messages
    /// came (or 20 s passed), then a moment longer, so that a message sent by mistake shows up too.
    /// </summary>
    public static List<IndicatorMessage> ReadTopic(string bootstrap, string topic, int expected, TimeSpan? settle = null)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = Fixtures.KafkaFixture.UniqueName("reader"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var seen = new List<IndicatorMessage>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && seen.Count < expected)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } result)
            {
                seen.Add(IndicatorMessageSerializer.Deserialize(result.Message.Value));
            }
        }

        deadline = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(1));
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } extra)
            {
                seen.Add(IndicatorMessageSerializer.Deserialize(extra.Message.Value));
            }
        }

        consumer.Close();
        return seen;
    }

    public void Dispose() => Publisher.Dispose();
}
