using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>The consume loop's offset discipline, driven through the factory seam with scripted clients (docs/architecture.md, "Conventions in the code").</summary>
public sealed class EdgeConsumerServiceTests
{
    private static byte[] Valid(string indicator) => IndicatorMessageSerializer.Serialize(new IndicatorMessage
    {
        Op = MessageOp.Update,
        Indicator = indicator,
        Origin = "src",
        Value = new JsonObject { ["type"] = "IPv4" },
    });

    private static (EdgeConsumerService Service, RecordingHandler Handler, FakeKafka Kafka) Create(int failFirst = 0)
    {
        var kafka = new FakeKafka();
        var handler = new RecordingHandler(kafka, failFirst);
        return (Service(kafka, handler, new KafkaOptions { MaxBatchWaitMs = 0 }), handler, kafka);
    }

    private static EdgeConsumerService Service(FakeKafka kafka, IBatchHandler handler, KafkaOptions options) =>
        new(new Subscription("group", ["in"]), handler, kafka, new MessagePublisher(kafka), Microsoft.Extensions.Options.Options.Create(options), NullLogger<EdgeConsumerService>.Instance);

    /// <summary>One message whose first attempt fails, then the same message again after the restart: the events.</summary>
    private static async Task<List<string>> FailOnceThenRecoverAsync(EdgeConsumerService service, FakeKafka kafka, Func<int> resets)
    {
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 1, Valid("1.1.1.1")));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => resets() == 1 && kafka.Consumers.Count == 2);
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 1, Valid("1.1.1.1")));
        await UntilAsync(() => kafka.Events.Contains("store:in/0@1"));
        await service.StopAsync(TestContext.Current.CancellationToken);
        return kafka.Events.ToList();
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task StoresTheLastOffsetPerPartitionOnlyAfterTheHandlerSucceeded()
    {
        var (service, handler, kafka) = Create();
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 10, Valid("1.1.1.1")));
        kafka.Pending.Enqueue(FakeKafka.Result("in", 1, 20, Valid("2.2.2.2")));
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 11, Valid("3.3.3.3")));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => kafka.Events.Count(static e => e.StartsWith("store:", StringComparison.Ordinal)) == 2);
        await service.StopAsync(TestContext.Current.CancellationToken);

        var events = kafka.Events.ToList();
        Assert.Equal(["1.1.1.1", "2.2.2.2", "3.3.3.3"], handler.Indicators);
        Assert.Contains("store:in/0@11", events);
        Assert.Contains("store:in/1@20", events);
        Assert.DoesNotContain("store:in/0@10", events);
        Assert.True(events.IndexOf("store:in/0@11") > events.LastIndexOf("handle:3.3.3.3"), "offsets are stored after the handler");
    }

    [Fact]
    public async Task APoisonMessageIsDeadLetteredAndTheLoopGoesOn()
    {
        var (service, handler, kafka) = Create();
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 5, Encoding.UTF8.GetBytes("{not json")));
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 6, Valid("1.1.1.1")));
        await service.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => kafka.Events.Contains("store:in/0@6"));
        await service.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["1.1.1.1"], handler.Indicators);
        var (topic, letter) = Assert.Single(kafka.Produced);
        Assert.Equal("in.dlq", topic);
        var body = JsonNode.Parse(letter.Value)!;
        Assert.Equal(5, body["offset"]!.GetValue<long>());
        Assert.Equal("{not json", body["original"]!.GetValue<string>());
        Assert.Contains("not a valid indicator message", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingHandlerStoresNothingAndTheLoopRestartsWithFreshState()
    {
        var (service, handler, kafka) = Create(failFirst: 1);
        var events = await FailOnceThenRecoverAsync(service, kafka, () => handler.Resets);

        Assert.Equal(1, events.Count(static e => e.StartsWith("store:", StringComparison.Ordinal)));
        Assert.True(events.IndexOf("close") < events.IndexOf("store:in/0@1"), "the failed attempt closed its consumer without storing");
        Assert.Equal(1, kafka.Consumers[0].Closed);
    }

    [Fact]
    public async Task StoppingClosesTheConsumerOnce()
    {
        var (service, _, kafka) = Create();
        await service.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => kafka.Consumers.Count == 1 && kafka.Consumers[0].Subscribed.Count == 1);
        await service.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["in"], kafka.Consumers[0].Subscribed);
        Assert.Equal(1, kafka.Consumers.Single().Closed);
    }

    [Fact]
    public async Task TheNextBatchIsAppliedWhileThePreviousOneIsMadeDurableAndTheyFinishInOrder()
    {
        var kafka = new FakeKafka();
        var handler = new GatedHandler(kafka);
        var service = Service(kafka, handler, new KafkaOptions { MaxBatchWaitMs = 0, MaxBatchSize = 1, MaxBatchesInFlight = 2 });
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 1, Valid("1.1.1.1")));
        kafka.Pending.Enqueue(FakeKafka.Result("in", 0, 2, Valid("2.2.2.2")));
        await service.StartAsync(TestContext.Current.CancellationToken);

        // Both batches are applied while the first still waits to be durable; nothing is stored yet.
        await UntilAsync(() => kafka.Events.Contains("apply:2.2.2.2"));
        Assert.DoesNotContain(kafka.Events, static e => e.StartsWith("store:", StringComparison.Ordinal));

        // The second batch's completion may not start before the first one's has finished.
        handler.Release("2.2.2.2");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("durable:2.2.2.2", kafka.Events);
        Assert.DoesNotContain(kafka.Events, static e => e.StartsWith("store:", StringComparison.Ordinal));

        handler.Release("1.1.1.1");
        await UntilAsync(() => kafka.Events.Contains("store:in/0@2"));
        await service.StopAsync(TestContext.Current.CancellationToken);

        var events = kafka.Events.ToList();
        Assert.True(events.IndexOf("durable:1.1.1.1") < events.IndexOf("durable:2.2.2.2"), "completions run in batch order");
        Assert.True(events.IndexOf("durable:1.1.1.1") < events.IndexOf("store:in/0@1"), "a batch's offset is stored once it is durable");
        Assert.True(events.IndexOf("store:in/0@1") < events.IndexOf("store:in/0@2"), "offsets are stored in order");
    }

    [Fact]
    public async Task ABatchThatFailsToBecomeDurableStoresNothingAndRestartsTheLoop()
    {
        var kafka = new FakeKafka();
        var handler = new GatedHandler(kafka) { FailFirstCompletion = true };
        handler.Release("1.1.1.1");
        var service = Service(kafka, handler, new KafkaOptions { MaxBatchWaitMs = 0, MaxBatchSize = 1 });
        var events = await FailOnceThenRecoverAsync(service, kafka, () => handler.Resets);

        Assert.Equal(1, events.Count(static e => e.StartsWith("store:", StringComparison.Ordinal)));
        Assert.True(events.IndexOf("close") < events.IndexOf("store:in/0@1"), "the failed batch's offset was not stored before the restart");
    }

    /// <summary>Each batch (one message) becomes durable only when the test releases its indicator.</summary>
    private sealed class GatedHandler(FakeKafka kafka) : IBatchHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
        private int _completions;

        public string Node => "node";

        public bool FailFirstCompletion { get; init; }

        public int Resets { get; private set; }

        public void Release(string indicator) => Gate(indicator).TrySetResult();

        public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            var indicator = Assert.Single(batch).Message.Indicator;
            kafka.Events.Enqueue($"apply:{indicator}");
            return Task.FromResult<BatchCompletion>(async () =>
            {
                await Gate(indicator).Task;
                if (Interlocked.Increment(ref _completions) == 1 && FailFirstCompletion)
                {
                    throw new InvalidOperationException("Redis went away");
                }

                kafka.Events.Enqueue($"durable:{indicator}");
            });
        }

        public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void Reset() => Resets++;

        private TaskCompletionSource Gate(string indicator) => _gates.GetOrAdd(indicator, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed class RecordingHandler(FakeKafka kafka, int failFirst) : IBatchHandler
    {
        private int _calls;

        public string Node => "node";

        public List<string> Indicators { get; } = [];

        public int Resets { get; private set; }

        public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            if (++_calls <= failFirst)
            {
                throw new InvalidOperationException("Redis went away");
            }

            foreach (var message in batch)
            {
                Indicators.Add(message.Message.Indicator);
                kafka.Events.Enqueue($"handle:{message.Message.Indicator}");
            }

            return Task.FromResult(BatchCompletions.Done);
        }

        public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
        {
        }

        public void Reset() => Resets++;
    }
}
