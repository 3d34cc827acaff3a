using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Miners;

namespace Minemeld.Streams.UnitTests.Core.Miners;

/// <summary>
/// A new row's value is MineMeld's: the node's attributes, then <c>sources</c>, <c>first_seen</c>, <c>last_seen</c>,
/// then the item's own, each assigned in turn onto a copy of the node's attributes (a key assigned again keeps its
/// place and takes the later value). Plain items are written straight to bytes; these tests hold them to the tree.
/// </summary>
public sealed class PollerValueTests
{
    private static readonly JsonObject NodeAttributes = new() { ["confidence"] = 50, ["sources"] = new JsonArray("node"), ["type"] = "IPv4", ["share_level"] = "green" };

    public static TheoryData<string> Items() =>
    [
        """{}""",
        """{"confidence":80,"note":"é<&\u2028"}""",
        """{"sources":["own","x"],"direction":"inbound"}""",
        """{"type":"IPv6","nested":{"a":[1,2.50,null,true]}}""",
        """{"share_level":null}""",
        """{"_private":1,"confidence":70}""",
        """{"first_seen":5}""",
        """{"$x":"y"}""",
    ];

    [Theory]
    [MemberData(nameof(Items))]
    public void ANewRowsValueIsTheNodesAttributesThenBookkeepingThenTheItemsOwn(string item)
    {
        var poller = new Poller(new PollerSettings { SourceName = "src", Attributes = NodeAttributes, IntervalSeconds = 60 });
        var emissions = poller.ApplyPoll(7000, [("1.2.3.4", JsonObjectReader.ParseObject(item)!)], succeeded: true);

        var expected = (JsonObject)NodeAttributes.DeepClone();
        expected["sources"] = new JsonArray("src");
        expected["first_seen"] = 7000;
        expected["last_seen"] = 7000;
        foreach (var (name, node) in JsonObjectReader.ParseObject(item)!)
        {
            expected[name] = node?.DeepClone();
        }

        var row = Assert.Single(poller.Rows);
        Assert.Equal(Encoding.UTF8.GetString(JsonText.ToUtf8Bytes(expected)), Encoding.UTF8.GetString(row.Utf8Value));
        Assert.Equal(expected["type"] is JsonValue t && t.TryGetValue<string>(out var type) ? type : null, row.Type);

        // What is published: the value without its private keys, as bytes when there were none to strip.
        var emitted = Assert.Single(emissions);
        Assert.Equal(MessageOp.Update, emitted.Op);
        var published = emitted.Value.ToTree()!;
        Assert.DoesNotContain(published, static p => p.Key[0] is '_' or '$');
        Assert.Equal(expected.Where(static p => p.Key[0] is not ('_' or '$')).Select(static p => p.Key), published.Select(static p => p.Key));
        if (!emitted.Value.HasTree)
        {
            Assert.Equal(row.Utf8Value, emitted.Value.Utf8.ToArray());
        }
    }

    /// <summary>The same item kept as UTF-8 (as a local list stores it) gives the same row, byte for byte.</summary>
    [Theory]
    [MemberData(nameof(Items))]
    public void AnItemKeptAsBytesGivesTheSameRow(string item)
    {
        var settings = new PollerSettings { SourceName = "src", Attributes = NodeAttributes, IntervalSeconds = 60 };
        var fromTree = new Poller(settings);
        fromTree.ApplyPoll(7000, [("1.2.3.4", JsonObjectReader.ParseObject(item)!)], succeeded: true);
        var fromBytes = new Poller(settings);
        var stored = JsonText.ToUtf8Bytes(JsonObjectReader.ParseObject(item)!);
        var emitted = Assert.Single(fromBytes.ApplyPollIncrementally(7000, [new PollItem("1.2.3.4", IndicatorJson.OfUtf8(stored))], succeeded: true));

        Assert.Equal(Encoding.UTF8.GetString(Assert.Single(fromTree.Rows).Utf8Value), Encoding.UTF8.GetString(Assert.Single(fromBytes.Rows).Utf8Value));
        Assert.Equal(fromTree.Rows.Single().Type, fromBytes.Rows.Single().Type);
        Assert.Equal(MessageOp.Update, emitted.Op);
    }

    /// <summary>
    /// New rows with equal values share one array (a row's array is never changed); a later change to one of them is
    /// its own, and every row keeps exactly its value, new or refreshed.
    /// </summary>
    [Fact]
    public void RowsWithEqualValuesShareOneArrayAndAChangeToOneLeavesTheOthers()
    {
        var poller = new Poller(new PollerSettings { SourceName = "src", Attributes = NodeAttributes, IntervalSeconds = 60 });
        _ = poller.ApplyPoll(7000, [("1.2.3.4", []), ("1.2.3.5", []), ("1.2.3.6", new JsonObject { ["note"] = "x" }), ("1.2.3.7", [])], succeeded: true);
        var first = poller.Rows.ToDictionary(static r => r.Indicator);
        Assert.Same(first["1.2.3.4"].Utf8Value, first["1.2.3.5"].Utf8Value);
        Assert.NotSame(first["1.2.3.5"].Utf8Value, first["1.2.3.6"].Utf8Value);

        _ = poller.ApplyPoll(8000, [("1.2.3.4", []), ("1.2.3.5", new JsonObject { ["note"] = "y" }), ("1.2.3.6", new JsonObject { ["note"] = "x" }), ("1.2.3.7", [])], succeeded: true);
        _ = poller.ApplyPoll(9000, [("1.2.3.4", []), ("1.2.3.5", new JsonObject { ["note"] = "y" }), ("1.2.3.6", new JsonObject { ["note"] = "x" })], succeeded: true);
        var rows = poller.Rows.ToDictionary(static r => r.Indicator);
        JsonObject Expected(long lastSeen, string? note)
        {
            var value = (JsonObject)NodeAttributes.DeepClone();
            value["sources"] = new JsonArray("src");
            value["first_seen"] = 7000;
            value["last_seen"] = lastSeen;
            if (note is not null)
            {
                value["note"] = note;
            }

            return value;
        }

        Assert.True(JsonNode.DeepEquals(Expected(9000, null), JsonNode.Parse(rows["1.2.3.4"].Utf8Value)), Encoding.UTF8.GetString(rows["1.2.3.4"].Utf8Value));
        Assert.True(JsonNode.DeepEquals(Expected(9000, "y"), JsonNode.Parse(rows["1.2.3.5"].Utf8Value)), Encoding.UTF8.GetString(rows["1.2.3.5"].Utf8Value));
        Assert.True(JsonNode.DeepEquals(Expected(9000, "x"), JsonNode.Parse(rows["1.2.3.6"].Utf8Value)), Encoding.UTF8.GetString(rows["1.2.3.6"].Utf8Value));
        Assert.True(JsonNode.DeepEquals(Expected(8000, null), JsonNode.Parse(rows["1.2.3.7"].Utf8Value)), Encoding.UTF8.GetString(rows["1.2.3.7"].Utf8Value));
    }
}
