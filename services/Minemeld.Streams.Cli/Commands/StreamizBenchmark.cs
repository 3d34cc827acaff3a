using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Client;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld bench streamiz [--count N] [--runs R]</c>: one filtering node's work (read an edge topic, keep the
/// updates MineMeld's <c>feedHCGreen</c> infilters keep, publish them to another topic) done three ways on the same
/// embedded broker and the same N messages: the engine's consume loop (<see cref="EdgeConsumerService"/> with its
/// publisher); a Streamiz topology over raw bytes running the engine's very filter code (the framework's cost alone);
/// and a Streamiz topology as a downstream team would write it (<see cref="IndicatorMessageSerDes"/> objects and a
/// predicate). Each run prints messages per second from start to the last kept message acknowledged in the output
/// topic, and the ratios to the engine's loop; runs alternate the three, and the medians close the report.
/// </summary>
internal static class StreamizBenchmark
{
    private const int Partitions = 6;

    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Messages on the input topic.", DefaultValueFactory = static _ => 500_000 };
        var runs = new Option<int>("--runs") { Description = "Rounds of the three variants (alternated).", DefaultValueFactory = static _ => 3 };
        var command = new Command("streamiz", "A filtering node: the engine's consume loop against Streamiz topologies, same broker, same messages.") { count, runs };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(count), parse.GetValue(runs), token));
        return command;
    }

    private static async Task<int> RunAsync(int count, int runs, CancellationToken cancellationToken)
    {
        using var broker = EmbeddedKafkaBroker.Start();
        var input = $"bench-streamiz-in-{Guid.NewGuid():N}";
        broker.CreateTopic(input, Partitions);
        var kept = ProduceInput(broker.BootstrapServers, input, count, cancellationToken);
        Console.WriteLine($"input: {count:N0} update messages on {Partitions} partitions; the feedHCGreen infilters keep {kept:N0}");
        var infilters = FilterSet.FromConfig(JsonNode.Parse("""[{"name":"accept green high confidence","conditions":["confidence >= 75","share_level == 'green'"],"actions":["accept"]},{"name":"drop all","actions":["drop"]}]"""), static (_, _) => { });
        var results = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["engine loop"] = [], ["Streamiz, bytes + engine filter"] = [], ["Streamiz, SerDes objects"] = [] };
        for (var run = 1; run <= runs; run++)
        {
            foreach (var variant in results.Keys)
            {
                var output = $"bench-streamiz-out-{Guid.NewGuid():N}";
                broker.CreateTopic(output, Partitions);
                var clock = Stopwatch.StartNew();
                await using (await StartAsync(variant, broker.BootstrapServers, input, output, infilters, cancellationToken))
                {
                    await WaitForAsync(broker.BootstrapServers, output, kept, variant, cancellationToken);
                }

                var rate = count / clock.Elapsed.TotalSeconds;
                results[variant].Add(rate);
                Console.WriteLine($"run {run}: {variant,-32} {clock.Elapsed.TotalSeconds,6:F2} s = {rate,9:N0} msg/s");
            }
        }

        var engine = Median(results["engine loop"]);
        Console.WriteLine($"median of {runs} (input messages per second, ratio to the engine loop):");
        foreach (var (variant, rates) in results)
        {
            Console.WriteLine($"  {variant,-32} {Median(rates),9:N0} msg/s  {Median(rates) / engine:F2}x");
        }

        return 0;
    }

    private static async Task<IAsyncDisposable> StartAsync(string variant, string bootstrap, string input, string output, FilterSet infilters, CancellationToken cancellationToken)
    {
        if (variant == "engine loop")
        {
            var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = bootstrap, Assignor = "range", SessionTimeoutMs = 6000 });
            var factory = new KafkaClientFactory(options, NullLogger<KafkaClientFactory>.Instance);
            var publisher = new MessagePublisher(factory);
            publisher.Place([(output, Partitions)]);
            var service = new EdgeConsumerService(new Subscription($"{output}.engine", [input]), new FilterNode(output, infilters, publisher), factory, publisher, options, NullLogger<EdgeConsumerService>.Instance);
            await service.StartAsync(cancellationToken);
            return new Running(async () =>
            {
                await service.StopAsync(CancellationToken.None);
                service.Dispose();
                publisher.Dispose();
            });
        }

        var builder = new StreamBuilder();
        if (variant.Contains("bytes", StringComparison.Ordinal))
        {
            var counters = new NodeCounters();
            builder.Stream<string, byte[]>(input, new StringSerDes(), new ByteArraySerDes())
                .Filter((key, value, _) => Keeps(infilters, counters, key, value))
                .To(output, new StringSerDes(), new ByteArraySerDes());
        }
        else
        {
            builder.Stream<string, IndicatorMessage?>(input, new StringSerDes(), new IndicatorMessageSerDes())
                .Filter(static (_, message, _) => message?.Value is { } value && value["confidence"]?.GetValue<long>() >= 75 && (string?)value["share_level"] == "green")
                .To(output, new StringSerDes(), new IndicatorMessageSerDes());
        }

        var config = new StreamConfig(new Dictionary<string, object>(), NullLoggerFactory.Instance)
        {
            ApplicationId = $"{output}-streamiz",
            BootstrapServers = bootstrap,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            CompressionType = CompressionType.Lz4,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
        };
        var stream = new KafkaStream(builder.Build(), config);
        await stream.StartAsync(cancellationToken);
        return new Running(() =>
        {
            stream.Dispose();
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>The engine's receive path on raw bytes, exactly as a feed output or processor runs it.</summary>
    private static bool Keeps(FilterSet infilters, NodeCounters counters, string key, byte[] value)
    {
        var message = IndicatorMessageSerializer.Deserialize(value.AsMemory(), key);
        return InputFilter.Apply(infilters, new InputMessage(string.Empty, 0, 0, key, message, value), counters) is { Op: MessageOp.Update };
    }

    /// <summary>A node that forwards, as the bytes it read, the updates its infilters keep.</summary>
    private sealed class FilterNode(string output, FilterSet infilters, MessagePublisher publisher) : IBatchHandler
    {
        private readonly NodeCounters _counters = new();

        public string Node => "filter";

        public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
        {
            var kept = new List<OutgoingMessage>(batch.Count);
            foreach (var input in batch)
            {
                if (InputFilter.Apply(infilters, input, _counters) is { Op: MessageOp.Update })
                {
                    kept.Add(new OutgoingMessage(output, input.Key!, input.Raw));
                }
            }

            var published = publisher.PublishAsync(kept, cancellationToken);
            return Task.FromResult<BatchCompletion>(() => published);
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

    private sealed class Running(Func<ValueTask> stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => stop();
    }

    /// <summary>
    /// Writes the input once: updates of IPv4 addresses with MineMeld's attributes, half of them kept by the filter.
    /// </summary>
    private static int ProduceInput(string bootstrap, string topic, int count, CancellationToken cancellationToken)
    {
        var kept = 0;
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, CompressionType = CompressionType.Lz4, LingerMs = 5, QueueBufferingMaxMessages = 500_000 }).Build();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var indicator = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            var confidence = i % 2 == 0 ? 90 : 50;
            kept += confidence >= 75 ? 1 : 0;
            var value = new JsonObject
            {
                ["type"] = "IPv4",
                ["confidence"] = confidence,
                ["share_level"] = "green",
                ["sources"] = new JsonArray("spamhaus.DROP"),
                ["first_seen"] = now.ToUnixTimeMilliseconds(),
                ["last_seen"] = now.ToUnixTimeMilliseconds(),
            };
            var bytes = IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = MessageOp.Update, Indicator = indicator, Type = "IPv4", Origin = "bench", Value = value, Timestamp = now });
            BenchCommand.ProduceWaitingForRoom(producer, topic, new Message<string, byte[]> { Key = indicator, Value = bytes });
        }

        producer.Flush(cancellationToken);
        return kept;
    }

    /// <summary>
    /// Until the output topic's partitions hold <paramref name="expected"/> messages in all (their end offsets).
    /// </summary>
    private static async Task WaitForAsync(string bootstrap, string topic, int expected, string variant, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = $"{topic}-watch" }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var total = partitions.Sum(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
            if (total >= expected)
            {
                if (total > expected)
                {
                    Console.Error.WriteLine($"{variant}: {total:N0} messages out, {expected:N0} expected (a replay duplicated some)");
                }

                return;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{variant}: {total:N0} of {expected:N0} messages out after 5 minutes");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
