using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;

namespace Minemeld.Streams.UnitTests.Core.Miners;

/// <summary>
/// A list entry is polled from its stored bytes (no tree per entry). What the miner makes of it must be what the tree
/// path makes of it: the same item attributes, byte for byte, and the same rows and emissions from the poller.
/// </summary>
public sealed class ListEntryTests
{
    private static readonly string[] Names = ["comment", "confidence", "type", "sources", "_expires_at", "_updated_at", "_private", "$x", "direction", "first_seen", "é"];

    private static readonly string[] Values = ["1", "80", "2.50", "1e3", "true", "null", "\"IPv6\"", "\"a <b> & é\"", "[\"x\",\"y\"]", "[]", "{\"n\":[1,{\"m\":null}]}", "\"\\u2028\""];

    [Fact]
    public void WorkedExample()
    {
        var stored = """{"_updated_at":1700000000000,"comment":"from ticket 42","sources":["someone"]}"""u8;
        Assert.Equal(
            """{"comment":"from ticket 42","sources":["node"],"type":"IPv4"}""",
            Encoding.UTF8.GetString(ListEntry.AttributesUtf8(stored, "IPv4", "node")!));
        Assert.Null(ListEntry.AttributesUtf8("""{"a":1,"a":2}"""u8, "IPv4", "node"));
        Assert.Null(ListEntry.AttributesUtf8("""{"\u0061":1}"""u8, "IPv4", "node"));
    }

    [Fact]
    public void BytesGiveWhatTheTreeGives()
    {
        var random = new Random(20261130);
        for (var i = 0; i < 3000; i++)
        {
            var properties = Enumerable.Range(0, random.Next(6)).Select(_ => $"\"{Names[random.Next(Names.Length)]}\":{Values[random.Next(Values.Length)]}").ToList();
            var raw = "{" + string.Join(',', properties) + "}";

            // As the list stores entries (written from a tree): the same bytes. Now and then as raw text (repeated
            // names, other escaping) as another writer might have stored it: the same JSON once parsed.
            var asStored = random.Next(4) != 0;
            var stored = asStored ? JsonText.ToUtf8Bytes(JsonObjectReader.ParseObject(Encoding.UTF8.GetBytes(raw))!) : Encoding.UTF8.GetBytes(raw);
            string Same(ReadOnlySpan<byte> json) => asStored ? Encoding.UTF8.GetString(json) : Canonical(json);
            var forcedType = random.Next(2) == 0 ? "IPv4" : null;
            var tree = ListEntry.Attributes(JsonObjectReader.ParseObject(stored)!, forcedType, "node");
            if (ListEntry.AttributesUtf8(stored, forcedType, "node") is { } bytes)
            {
                Assert.Equal(Encoding.UTF8.GetString(JsonText.ToUtf8Bytes(tree)), Same(bytes));
            }

            // The poller: a new row's value and what it publishes, from the bytes item and from the tree item.
            var attributes = new JsonObject { ["confidence"] = 50, ["share_level"] = "green" };
            var fromBytes = new Poller(new PollerSettings { SourceName = "node", Attributes = attributes, IntervalSeconds = 60 });
            var fromTree = new Poller(new PollerSettings { SourceName = "node", Attributes = (JsonObject)attributes.DeepClone(), IntervalSeconds = 60 });
            var emittedFromBytes = fromBytes.ApplyPollIncrementally(7000, [ListEntry.Item("10.0.0.1", stored, forcedType, "node")], succeeded: true).ToList();
            var emittedFromTree = fromTree.ApplyPollIncrementally(7000, [new PollItem("10.0.0.1", tree)], succeeded: true).ToList();
            Assert.Equal(Encoding.UTF8.GetString(Assert.Single(fromTree.Rows).Utf8Value), Same(Assert.Single(fromBytes.Rows).Utf8Value));
            Assert.Equal(fromTree.Rows.Single().Type, fromBytes.Rows.Single().Type);
            Assert.Equal(emittedFromTree.Select(Text), emittedFromBytes.Select(Text));
            Assert.Equal(emittedFromTree.Count, emittedFromBytes.Count);
            Assert.All(emittedFromBytes, static e => Assert.Equal(StringType(e.Value.ToTree()), EncodedType(e)));

            // A second poll takes the row's own path (the tree): still the same.
            var again = fromBytes.ApplyPollIncrementally(8000, [ListEntry.Item("10.0.0.1", stored, forcedType, "node")], succeeded: true).ToList();
            var againTree = fromTree.ApplyPollIncrementally(8000, [new PollItem("10.0.0.1", ListEntry.Attributes(JsonObjectReader.ParseObject(stored)!, forcedType, "node"))], succeeded: true).ToList();
            Assert.Equal(againTree.Select(Text), again.Select(Text));
            Assert.Equal(Encoding.UTF8.GetString(fromTree.Rows.Single().Utf8Value), Same(fromBytes.Rows.Single().Utf8Value));
        }
    }

    /// <summary>
    /// An emission as text, its value written from its tree (the same JSON gives the same text), with the type its
    /// message carries (given by the poller for a new row, read from the value otherwise).
    /// </summary>
    private static string Text(Minemeld.Streams.Core.Messages.Emission e) => $"{e.Op} {e.Indicator} {e.Value.ToTree()?.ToJsonString()} type={EncodedType(e) ?? "(null)"}";

    /// <summary>The type the emission's message carries.</summary>
    private static string? EncodedType(Minemeld.Streams.Core.Messages.Emission e) =>
        Minemeld.Streams.Core.Messages.IndicatorMessageSerializer.Deserialize(Minemeld.Streams.Hosting.Nodes.EmissionEncoder.EncodeTransient("t", "node", e, DateTimeOffset.UnixEpoch).Value).Type;

    /// <summary>The value's type attribute when it is a string, read from the tree: what a message's type must be.</summary>
    private static string? StringType(JsonObject? value) => value?["type"] is JsonValue type && type.TryGetValue<string>(out var text) ? text : null;

    private static string Canonical(ReadOnlySpan<byte> json) => Encoding.UTF8.GetString(JsonText.ToUtf8Bytes(JsonObjectReader.ParseObject(json)!));
}
