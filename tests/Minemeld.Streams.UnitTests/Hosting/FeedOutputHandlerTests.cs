using Minemeld.Streams.Hosting.Nodes.Outputs;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>
/// A feed reads its messages' values as the bytes they arrived in: the filters see the attributes, the stored value
/// is the text received, and a value with private keys is still stripped before anything sees it.
/// </summary>
public sealed class FeedOutputHandlerTests
{
    [Fact]
    public async Task ValuesAreFilteredAndStoredAsMineMeldWroteThemAndPrivateKeysNeverReachTheFeed()
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("stdlib.feedHCGreenWithValue", out var prototype, out _));
        var store = new RecordingFeedStore();
        var handler = new FeedOutputHandler("feed", FeedOutputSettings.FromConfig((JsonObject)prototype.Config.DeepClone()), store);
        const string Plain = """{"sources":["a"],"type":"IPv4","confidence":90,"share_level":"green","last_seen":1700,"note":"é"}""";
        var batch = new[]
        {
            Consumed("1.1.1.1", Plain),
            Consumed("2.2.2.2", """{"_secret":"x","type":"IPv4","confidence":90,"share_level":"green","last_seen":1800}"""),
            Consumed("3.3.3.3", """{"type":"IPv4","confidence":10,"share_level":"green"}"""),
            Consumed("4.4.4.4", """{"type":"IPv4","confidence":95,"share_level":"red"}"""),
        };

        var completion = await handler.ApplyAsync(batch, TestContext.Current.CancellationToken);
        await completion();

        var changes = store.Changes.ToDictionary(static c => c.Indicator);
        // The received value in MineMeld's encoding (MineMeldJsonTests holds its rules): same members, its key order, ujson escaping.
        Assert.Equal(Minemeld.Streams.Core.Json.MineMeldJson.Encode(System.Text.Encoding.UTF8.GetBytes(Plain)), changes["1.1.1.1"].ValueJson);
        Assert.Contains("\"note\":\"\\u00e9\"", changes["1.1.1.1"].ValueJson, StringComparison.Ordinal);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(Plain), System.Text.Json.Nodes.JsonNode.Parse(changes["1.1.1.1"].ValueJson!)));
        Assert.True(changes["1.1.1.1"].Present);
        Assert.Equal("""{"confidence":90,"type":"IPv4","share_level":"green","last_seen":1800}""", changes["2.2.2.2"].ValueJson);

        // Members are scored by last_seen, read from the bytes or from the stripped tree.
        Assert.Equal((1700, 1800), (changes["1.1.1.1"].Score, changes["2.2.2.2"].Score));
        Assert.False(changes["3.3.3.3"].Present);
        Assert.False(changes["4.4.4.4"].Present);
        Assert.Equal(4, handler.Counters["update.rx"]);
        Assert.Equal(2, handler.Counters["update.processed"]);
    }

    [Fact]
    public async Task AnOverBroadNetworkNeverReachesTheFeedAndAHeldOneLeavesIt()
    {
        var store = new RecordingFeedStore();
        var handler = new FeedOutputHandler("feed", FeedOutputSettings.FromConfig([]), store);
        var batch = new[]
        {
            Consumed("0.0.0.0-255.255.255.255", """{"type":"IPv4","last_seen":1}"""),
            Consumed("10.0.0.0-10.255.255.255", """{"type":"IPv4","last_seen":1}"""),
            Consumed("10.0.0.0-11.0.0.0", """{"type":"IPv4","last_seen":1}"""),
            Consumed("2001:db8::/16", """{"type":"IPv6","last_seen":1}"""),
            Consumed("2001:db8::/32", """{"type":"IPv6","last_seen":1}"""),
            Consumed("bad-domain.example", """{"type":"domain","last_seen":1}"""),
        };

        await (await handler.ApplyAsync(batch, TestContext.Current.CancellationToken))();

        var changes = store.Changes.ToDictionary(static c => c.Indicator);
        Assert.False(changes["0.0.0.0-255.255.255.255"].Present); // a withdraw: a member held from before goes
        Assert.True(changes["10.0.0.0-10.255.255.255"].Present); // exactly a /8
        Assert.False(changes["10.0.0.0-11.0.0.0"].Present);
        Assert.False(changes["2001:db8::/16"].Present);
        Assert.True(changes["2001:db8::/32"].Present);
        Assert.True(changes["bad-domain.example"].Present);
        Assert.Equal(3, handler.Counters["drop.overbroad"]);

        // A feed whose guard is off serves what it is given.
        var open = new RecordingFeedStore();
        var unguarded = new FeedOutputHandler("feed", FeedOutputSettings.FromConfig(new JsonObject { ["broadest_ipv4_prefix"] = 0, ["broadest_ipv6_prefix"] = 0 }), open);
        await (await unguarded.ApplyAsync(batch, TestContext.Current.CancellationToken))();
        Assert.All(open.Changes, static c => Assert.True(c.Present));
    }

    /// <summary>An update as a node publishes it: the envelope carries the value's type.</summary>
    private static InputMessage Consumed(string indicator, string value)
    {
        var type = JsonNode.Parse(value)!["type"]!.GetValue<string>();
        var bytes = Encoding.UTF8.GetBytes($$"""{"v":1,"op":"update","indicator":"{{indicator}}","type":"{{type}}","origin":"agg","value":{{value}}}""");
        return new InputMessage("edge", 0, 0, indicator, IndicatorMessageSerializer.Deserialize((ReadOnlyMemory<byte>)bytes), bytes);
    }

    private sealed class RecordingFeedStore : IFeedStore
    {
        public List<FeedChange> Changes { get; } = [];

        public Task<long> CountAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

        public Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators, CancellationToken cancellationToken) =>
            Task.FromResult<(long, IReadOnlySet<string>)>((0, new HashSet<string>()));

        public Task<(long Added, long Removed)> ApplyAsync(IReadOnlyCollection<FeedChange> changes, TimeSpan? tombstones, CancellationToken cancellationToken)
        {
            Changes.AddRange(changes);
            return Task.FromResult((0L, 0L));
        }
    }
}
