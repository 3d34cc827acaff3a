using Minemeld.Streams.Hosting.Nodes.Outputs;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

[Trait("Category", "Integration")]
public sealed class FeedOutputPipelineTests(KafkaFixture kafka, RedisFixture redis)
{
    private static FeedOutputSettings Settings(string prototype, long maxEntries = 1_000_000)
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve(prototype, out var p, out _));
        var config = (JsonObject)p.Config.DeepClone();
        config["max_entries"] = maxEntries;
        return FeedOutputSettings.FromConfig(config);
    }

    private static JsonObject Value(int confidence, string share, long lastSeen) =>
        new() { ["type"] = "IPv4", ["confidence"] = confidence, ["share_level"] = share, ["last_seen"] = lastSeen, ["sources"] = new JsonArray("test") };

    [Fact]
    public async Task FeedHoldsWhatItsFiltersAcceptAndARestartReprocessesNothing()
    {
        var graph = KafkaFixture.UniqueName("g");
        var topic = KafkaFixture.UniqueName("edge");
        await kafka.CreateTopicAsync(topic, 3);
        if (kafka.Embedded is null)
        {
            await kafka.CreateTopicAsync(TopicNames.DeadLetter(topic), 1);
        }

        // On the embedded broker the dead-letter topic is not made beforehand, as minemeld run does not make it: the
        // first dead letter creates it.
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);

        // 300 indicators: high-confidence green ones belong in feedHCGreen, the others not.
        var messages = new List<OutgoingMessage>();
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 300; i++)
        {
            var indicator = $"10.0.{i / 256}.{i % 256}-10.0.{i / 256}.{i % 256}";
            var confidence = i % 3 == 0 ? 50 : 90;
            var share = i % 5 == 0 ? "red" : "green";
            messages.Add(PipelineHarness.Update(topic, indicator, "agg", Value(confidence, share, 1000 + i)));
            if (confidence >= 75 && share == "green")
            {
                expected.Add(indicator);
            }
        }

        // Withdraw some members, and downgrade one: an update the filters drop withdraws it.
        foreach (var gone in expected.Take(10).ToList())
        {
            messages.Add(PipelineHarness.Withdraw(topic, gone, "agg"));
            expected.Remove(gone);
        }

        var downgraded = expected.First();
        messages.Add(PipelineHarness.Update(topic, downgraded, "agg", Value(10, "green", 5000)));
        expected.Remove(downgraded);
        messages.Add(new OutgoingMessage(topic, "junk", Encoding.UTF8.GetBytes("{not an envelope")));
        await harness.Publisher.PublishAsync(messages, TestContext.Current.CancellationToken);

        var store = new RedisFeedStore(connection, graph, "feed");
        var handler = new FeedOutputHandler("feed", Settings("stdlib.feedHCGreen"), store);
        var service = harness.Consumer(new Subscription($"{graph}.feed", [topic]), handler);
        await service.StartAsync(TestContext.Current.CancellationToken);
        var db = connection.GetDatabase();
        var membersKey = RedisKeys.FeedMembers(graph, "feed");
        await PipelineHarness.EventuallyAsync(
            async () => handler.Counters["update.rx"] + handler.Counters["withdraw.rx"] == 311,
            "all 311 valid messages handled");
        await service.StopAsync(TestContext.Current.CancellationToken);

        var members = (await db.SortedSetRangeByRankAsync(membersKey)).Select(static m => m.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, members);
        Assert.Equal(0, await db.HashLengthAsync(RedisKeys.FeedValues(graph, "feed")));
        var version = (long)await db.StringGetAsync(RedisKeys.FeedVersion(graph, "feed"));
        Assert.True(version >= 1);

        // Scores are last_seen, so the feed reads oldest first.
        var first = (await db.SortedSetRangeByRankWithScoresAsync(membersKey, 0, 0))[0];
        Assert.Equal(expected.Min(m => 1000 + Index(m)), first.Score);

        // The poison message is in the dead-letter topic with its reason.
        using (var dlq = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = KafkaFixture.UniqueName("dlq"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build())
        {
            dlq.Subscribe(TopicNames.DeadLetter(topic));
            var letter = dlq.Consume(TimeSpan.FromSeconds(30));
            Assert.NotNull(letter);
            var body = JsonNode.Parse(letter.Message.Value)!;
            Assert.Equal(topic, body["topic"]!.GetValue<string>());
            Assert.Contains("not a valid indicator message", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
            dlq.Close();
        }

        // A new consumer in the same group starts from the committed offsets: nothing is handled again.
        var again = new FeedOutputHandler("feed", Settings("stdlib.feedHCGreen"), store);
        var restarted = harness.Consumer(new Subscription($"{graph}.feed", [topic]), again);
        await restarted.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => restarted.HasAssignment, "the restarted consumer got its partitions");
        await harness.Publisher.PublishAsync([PipelineHarness.Update(topic, "10.9.9.9-10.9.9.9", "agg", Value(100, "green", 9999))], TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => again.Counters["update.rx"] >= 1, "the new message handled");
        await restarted.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, again.Counters["update.rx"]);
        Assert.Equal(0, again.Counters["withdraw.rx"]);
        Assert.Equal(expected.Count + 1, await db.SortedSetLengthAsync(membersKey));
    }

    [Fact]
    public async Task MaxEntriesDropsNewMembersButKeepsUpdatingExistingOnes()
    {
        var graph = KafkaFixture.UniqueName("g");
        var topic = KafkaFixture.UniqueName("edge");
        await kafka.CreateTopicAsync(topic, 1);
        var connection = await redis.ConnectAsync();
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var store = new RedisFeedStore(connection, graph, "capped");
        var handler = new FeedOutputHandler("capped", Settings("stdlib.feedHCGreenWithValue", maxEntries: 5), store);
        var service = harness.Consumer(new Subscription($"{graph}.capped", [topic]), handler);
        await service.StartAsync(TestContext.Current.CancellationToken);

        var first = Enumerable.Range(0, 8).Select(i => PipelineHarness.Update(topic, $"192.0.2.{i}", "agg", Value(100, "green", i))).ToList();
        await harness.Publisher.PublishAsync(first, TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => handler.Counters["update.rx"] == 8, "8 updates handled");
        await harness.Publisher.PublishAsync([PipelineHarness.Update(topic, "192.0.2.0", "agg", Value(100, "green", 777))], TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => handler.Counters["update.rx"] == 9, "the refresh handled");
        await service.StopAsync(TestContext.Current.CancellationToken);

        var db = connection.GetDatabase();
        Assert.Equal(5, await db.SortedSetLengthAsync(RedisKeys.FeedMembers(graph, "capped")));
        Assert.Equal(3, handler.Counters["drop.overflow"]);
        Assert.Equal(777, await db.SortedSetScoreAsync(RedisKeys.FeedMembers(graph, "capped"), "192.0.2.0"));
        var stored = JsonNode.Parse((string)(await db.HashGetAsync(RedisKeys.FeedValues(graph, "capped"), "192.0.2.0"))!)!;
        Assert.Equal(777, stored["last_seen"]!.GetValue<long>());
    }

    private static int Index(string indicator)
    {
        var parts = indicator.Split('-')[0].Split('.');
        return (int.Parse(parts[2], CultureInfo.InvariantCulture) * 256) + int.Parse(parts[3], CultureInfo.InvariantCulture);
    }
}
