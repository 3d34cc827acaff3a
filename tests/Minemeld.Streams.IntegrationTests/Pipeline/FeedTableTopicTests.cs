using Minemeld.Streams.Hosting.Nodes.Outputs;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A feed output mirrors its feed on its table topic: whatever arrives (updates its filters keep or drop, withdraws,
/// private keys, more members than <c>max_entries</c>, a whole replay), reading the topic from its start and keeping
/// the last value per key gives exactly the members and values Redis holds.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FeedTableTopicTests(KafkaFixture kafka, RedisFixture redis)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task FoldingTheTableTopicGivesTheFeedWhateverArrives(int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(seed);
        var graph = KafkaFixture.UniqueName("g");
        var edge = KafkaFixture.UniqueName("edge");
        var tableTopic = new TopicNames("minemeld", graph).Table("feed");
        await kafka.CreateTopicAsync(edge, 3);
        await kafka.CreateTopicAsync(tableTopic, 3);
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        harness.Publisher.Place([(tableTopic, 3)]);

        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("stdlib.feedHCGreen", out var prototype, out _));
        var config = (JsonObject)prototype.Config.DeepClone();
        config["store_value"] = true;
        config["max_entries"] = 150; // below the 400 candidates: some additions are refused, and never mirrored
        var settings = FeedOutputSettings.FromConfig(config);
        var store = new RedisFeedStore(connection, graph, "feed");
        var table = new FeedOutputHandler.FeedTable(tableTopic, harness.Publisher, TimeProvider.System);

        // Four rounds of random traffic over 400 indicators (ranges and domains). Each round's consumer is stopped once it
        // has read the round (a stop finishes the batches in flight: both writes of each are done) before the check.
        var published = 0;
        var handler = new FeedOutputHandler("feed", settings, store, table);
        for (var round = 0; round < 4; round++)
        {
            var messages = new List<OutgoingMessage>();
            for (var i = 0; i < 300; i++)
            {
                var n = random.Next(400);
                var indicator = n % 4 == 0 ? $"host{n}.example.com" : $"10.{n / 256}.{n % 256}.0-10.{n / 256}.{n % 256}.{random.Next(256)}";
                messages.Add(random.Next(4) == 0
                    ? PipelineHarness.Withdraw(edge, indicator, "agg")
                    : PipelineHarness.Update(edge, indicator, "agg", Value(random, n % 4 == 0 ? "domain" : "IPv4")));
            }

            await harness.Publisher.PublishAsync(messages, ct);
            published += messages.Count;
            var service = harness.Consumer(new Subscription($"{graph}.feed", [edge]), handler);
            await service.StartAsync(ct);
            await PipelineHarness.EventuallyAsync(async () => handler.Counters["update.rx"] + handler.Counters["withdraw.rx"] == published, $"round {round} handled");
            await service.StopAsync(ct);
            await AssertMirroredAsync();
        }

        Assert.True(handler.Counters["drop.overflow"] > 0, "the cap refused no addition: the test does not cover it");
        Assert.True(handler.Counters["withdraw.processed"] > 0);

        // A replay of everything (a new group from the start, as after lost offsets): the topic still folds to the feed.
        var replay = new FeedOutputHandler("feed", settings, store, table);
        var again = harness.Consumer(new Subscription($"{graph}.replay", [edge]), replay);
        await again.StartAsync(ct);
        await PipelineHarness.EventuallyAsync(async () => replay.Counters["update.rx"] + replay.Counters["withdraw.rx"] == published, "the replay handled");
        await again.StopAsync(ct);
        await AssertMirroredAsync();

        async Task AssertMirroredAsync()
        {
            var db = connection.GetDatabase();
            var members = (await db.SortedSetRangeByRankAsync(RedisKeys.FeedMembers(graph, "feed"))).Select(static m => m.ToString()).Order(StringComparer.Ordinal).ToList();
            var values = (await db.HashGetAllAsync(RedisKeys.FeedValues(graph, "feed"))).ToDictionary(static e => e.Name.ToString(), static e => JsonNode.Parse(e.Value.ToString()), StringComparer.Ordinal);
            var folded = TableTopic.Fold(kafka.BootstrapServers, tableTopic);
            Assert.Equal(members, folded.Keys.Order(StringComparer.Ordinal));
            foreach (var (indicator, bytes) in folded)
            {
                var message = IndicatorMessageSerializer.Deserialize(bytes);
                Assert.Equal((MessageOp.Update, indicator, "feed"), (message.Op, message.Indicator, message.Origin));
                Assert.True(JsonNode.DeepEquals(values[indicator], message.Value), $"{indicator}: table {message.Value?.ToJsonString()} vs feed {values[indicator]?.ToJsonString()}");
                Assert.False(message.Value!.ContainsKey("_private"), "a private key left the node");
            }
        }
    }

    private static JsonObject Value(Random random, string type) => new()
    {
        ["type"] = type,
        ["confidence"] = random.Next(2) == 0 ? 90 : 40,
        ["share_level"] = random.Next(5) == 0 ? "red" : "green",
        ["sources"] = new JsonArray($"src{random.Next(3)}"),
        ["last_seen"] = 1_700_000_000_000 + random.Next(1_000_000),
        ["_private"] = "stripped on receive",
    };
}
