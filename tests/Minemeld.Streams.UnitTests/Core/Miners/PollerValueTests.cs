using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Miners;

namespace Minemeld.Streams.UnitTests.Core.Miners;

/// <summary>
/// A new row's value is MineMeld's: the node's attributes, then <c>sources</c>, <c>first_seen</c>, <c>last_seen</c>,
/// then the item's own, each assigned in turn onto a copy of the node's attributes (a key assigned again keeps its
/// place and takes the later value). The poller writes every new value straight to bytes, from an item's bytes or
/// its tree; these tests hold it to a tree built by those assignments.
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

        var expected = Assignments(NodeAttributes, item);
        var row = Assert.Single(poller.Rows);
        AssertRowIs(expected, row);

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

    private static readonly string[] Names = ["confidence", "sources", "type", "share_level", "first_seen", "last_seen", "_private", "$x", "note", "n\\u0061me", "name", "\u00e9t\u00e9"];

    private static readonly string[] Values = ["1", "80", "\"x\"", "null", "true", "[1,2]", "{\"a\":[1,null]}", "2.50", "\"IPv6\"", "[\"own\"]", "7001"];

    private static readonly JsonObject[] NodeVariants =
    [
        NodeAttributes,
        new() { ["confidence"] = 50, ["first_seen"] = 1, ["type"] = "IPv4" },
        new() { ["_n"] = 1, ["last_seen"] = "x", ["sources"] = new JsonArray("node") },
        [],
    ];

    /// <summary>
    /// Any item, as a tree or as its UTF-8 (names escaped, repeated, private or the bookkeeping's own, over any of the
    /// node's attributes), gives the row the oracle gives: MineMeld's assignments in turn onto a copy of the node's
    /// attributes, with the type and the age-out read from that value, and publishes it without its private keys.
    /// </summary>
    [Fact]
    public void AnyItemGivesTheValueOfTheAssignmentsInTurn() =>
        Gen.Select(Gen.Int[0, NodeVariants.Length - 1], Gen.Select(Gen.Int[0, Names.Length - 1], Gen.Int[0, Values.Length - 1]).Array[0, 7], Gen.Bool).Sample((node, pairs, asBytes) =>
        {
            var text = "{" + string.Join(",", pairs.Select(static p => $"\"{Names[p.Item1]}\":{Values[p.Item2]}")) + "}";
            var settings = new PollerSettings { SourceName = "src", Attributes = NodeVariants[node], IntervalSeconds = 60 };
            var poller = new Poller(settings);
            var item = asBytes ? new PollItem("1.2.3.4", IndicatorJson.OfUtf8(Encoding.UTF8.GetBytes(text))) : new PollItem("1.2.3.4", JsonObjectReader.ParseObject(text)!);
            var emitted = Assert.Single(poller.ApplyPollIncrementally(7000, [item], succeeded: true));

            var expected = Assignments(NodeVariants[node], text);
            var row = Assert.Single(poller.Rows);
            AssertRowIs(expected, row);
            JsonNodeValues.TryGetInt64(expected["first_seen"], out var firstSeen);
            JsonNodeValues.TryGetInt64(expected["last_seen"], out var lastSeen);
            Assert.Equal(AgeOutExpression.Default.AgeOutAt(firstSeen, lastSeen), row.AgeOut);

            var published = (JsonObject)expected.DeepClone();
            foreach (var name in published.Select(static p => p.Key).Where(static k => k[0] is '_' or '$').ToList())
            {
                published.Remove(name);
            }

            Assert.Equal(JsonText.ToUtf8Bytes(published), JsonText.ToUtf8Bytes(emitted.Value.ToTree()!));
        }, iter: 2000);

    /// <summary>The oracle: the node's attributes, then the bookkeeping (source src, at 7000), then the item's, assigned in turn.</summary>
    private static JsonObject Assignments(JsonObject node, string item)
    {
        var expected = (JsonObject)node.DeepClone();
        expected["sources"] = new JsonArray("src");
        expected["first_seen"] = 7000;
        expected["last_seen"] = 7000;
        foreach (var (name, value) in JsonObjectReader.ParseObject(item)!)
        {
            expected[name] = value?.DeepClone();
        }

        return expected;
    }

    private static void AssertRowIs(JsonObject expected, MinerRow row)
    {
        Assert.Equal(Encoding.UTF8.GetString(JsonText.ToUtf8Bytes(expected)), Encoding.UTF8.GetString(row.Utf8Value));
        Assert.Equal(expected["type"] is JsonValue t && t.TryGetValue<string>(out var type) ? type : null, row.Type);
    }
}
