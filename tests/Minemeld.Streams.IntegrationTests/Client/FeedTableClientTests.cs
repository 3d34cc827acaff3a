using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Client;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.Client;

/// <summary>
/// Minemeld.Streams.Client on the embedded broker: a feed's Streamiz table holds exactly what folding its topic gives
/// (updates set, withdraws and tombstones remove), both what the topic held before the application started and what
/// arrives while it runs; the SerDes follow the message schema's rules for readers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FeedTableClientTests(KafkaFixture kafka)
{
    [Fact]
    public async Task AFeedTableHoldsExactlyTheFoldOfItsTopicBeforeAndAfterItStarts()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = FeedTopics.Table(KafkaFixture.UniqueName("g"), "feed");
        await kafka.CreateTopicAsync(topic, 3);
        var random = new Random(7);
        var oracle = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, CompressionType = CompressionType.Lz4 }).Build();

        void Produce(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var indicator = $"198.51.{random.Next(4)}.{random.Next(64)}";
                byte[]? value;
                switch (random.Next(5))
                {
                    case 0: // a tombstone, as the table topic carries
                        value = null;
                        oracle.Remove(indicator);
                        break;
                    case 1: // a withdraw, as an edge topic carries
                        value = IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = MessageOp.Withdraw, Indicator = indicator, Type = "IPv4", Origin = "feed", Timestamp = DateTimeOffset.UtcNow });
                        oracle.Remove(indicator);
                        break;
                    default:
                        var attributes = new JsonObject { ["type"] = "IPv4", ["confidence"] = random.Next(101), ["sources"] = new JsonArray($"src{random.Next(3)}") };
                        value = IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = MessageOp.Update, Indicator = indicator, Type = "IPv4", Origin = "feed", Value = attributes, Timestamp = DateTimeOffset.UtcNow });
                        oracle[indicator] = attributes;
                        break;
                }

                producer.Produce(topic, new Message<string, byte[]> { Key = indicator, Value = value! });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        bool Matches(IReadOnlyDictionary<string, IndicatorMessage> table) =>
            table.Count == oracle.Count && oracle.All(o => table.TryGetValue(o.Key, out var m) && JsonNode.DeepEquals(m.Value, o.Value));

        Produce(2_000);
        await using var feed = await FeedTable.StartAsync(kafka.BootstrapServers, topic, cancellationToken: ct);
        await feed.WaitUntilRunningAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(Matches(feed.Snapshot())), "the table to hold what the topic held at start", TimeSpan.FromSeconds(60));

        Produce(500);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(Matches(feed.Snapshot())), "the table to follow what arrived since", TimeSpan.FromSeconds(60));
        var (present, _) = oracle.First();
        Assert.True(feed.TryGet(present, out var hit));
        Assert.Equal(present, hit.Indicator);
        Assert.False(feed.TryGet("192.0.2.1", out _));
    }

    /// <summary>
    /// The partitioned table (<c>builder.FeedTable</c>) in a topology of one's own: after a run over the topic its
    /// store holds the fold. On the embedded broker its changelog topic is made beforehand (no CreateTopics there).
    /// </summary>
    [Fact]
    public async Task APartitionedFeedTableInATopologyHoldsTheFold()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = FeedTopics.Table(KafkaFixture.UniqueName("g"), "feed");
        var application = KafkaFixture.UniqueName("app");
        await kafka.CreateTopicAsync(topic, 3);
        await kafka.CreateTopicAsync($"{application}-feed-store-changelog", 3);
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < 300; i++)
            {
                var indicator = $"host{i % 120}.example.org";
                var update = i % 7 != 3;
                var value = update ? IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = MessageOp.Update, Indicator = indicator, Type = "domain", Origin = "feed", Value = new JsonObject { ["n"] = i }, Timestamp = DateTimeOffset.UtcNow }) : null;
                producer.Produce(topic, new Message<string, byte[]> { Key = indicator, Value = value! });
                if (update)
                {
                    expected.Add(indicator);
                }
                else
                {
                    expected.Remove(indicator);
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var builder = new Streamiz.Kafka.Net.StreamBuilder();
        builder.FeedTable(topic, "feed-store");
        var config = new Streamiz.Kafka.Net.StreamConfig(new Dictionary<string, object>(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
        {
            ApplicationId = application,
            BootstrapServers = kafka.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
        };
        using var stream = new Streamiz.Kafka.Net.KafkaStream(builder.Build(), config);
        await stream.StartAsync(ct);
        var store = (Func<List<string>>)(() =>
        {
            try
            {
                var view = stream.Store(Streamiz.Kafka.Net.StoreQueryParameters.FromNameAndType("feed-store", Streamiz.Kafka.Net.State.QueryableStoreTypes.KeyValueStore<string, IndicatorMessage?>()));
                return [.. view.All().Where(static e => e.Value is not null).Select(static e => e.Key).Order(StringComparer.Ordinal)];
            }
            catch (Streamiz.Kafka.Net.Errors.InvalidStateStoreException)
            {
                return []; // not running yet
            }
        });
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(store().SequenceEqual(expected)), "the partitioned table to hold the fold", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void TheSerDesReadUpdatesAsMessagesAndWithdrawsAndTombstonesAsRemovalsAndRefuseUnknownVersions()
    {
        var serdes = new IndicatorMessageSerDes();
        var context = new SerializationContext(MessageComponentType.Value, "t");
        var update = new IndicatorMessage { Op = MessageOp.Update, Indicator = "example.com", Type = "domain", Origin = "feed", Value = new JsonObject { ["confidence"] = 80 }, Timestamp = DateTimeOffset.UnixEpoch };
        var read = serdes.Deserialize(serdes.Serialize(update, context), context)!;
        Assert.Equal((update.Op, update.Indicator, update.Type, update.Origin, 80L), (read.Op, read.Indicator, read.Type, read.Origin, read.Value!["confidence"]!.GetValue<long>()));
        Assert.Null(serdes.Deserialize(IndicatorMessageSerializer.Serialize(update with { Op = MessageOp.Withdraw, Value = null }), context));
        Assert.Null(serdes.Deserialize(null!, context));
        Assert.Null(serdes.Serialize(null, context));

        // Unknown fields of version 1 are ignored; another version is refused by name.
        Assert.NotNull(serdes.Deserialize("""{"v":1,"op":"update","indicator":"a.example","type":"domain","origin":"f","value":{},"ts":"2026-01-01T00:00:00Z","later":true}"""u8.ToArray(), context));
        var error = Assert.ThrowsAny<Exception>(() => serdes.Deserialize("""{"v":2,"op":"update","indicator":"a.example","type":"domain","origin":"f","value":{},"ts":"2026-01-01T00:00:00Z"}"""u8.ToArray(), context));
        Assert.Contains("version", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
