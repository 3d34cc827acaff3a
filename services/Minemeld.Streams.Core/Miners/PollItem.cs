using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// One item of a poll: an indicator and its attributes, either as a tree (a parsed feed line) or as a JSON object
/// kept as UTF-8 (a local list entry, see <see cref="ListEntry"/>). A poller writes a new row's value straight from
/// plain bytes and builds the tree only where it needs one (a row it already holds, a private or repeated name).
/// </summary>
public readonly struct PollItem
{
    private readonly JsonObject? _tree;

    private PollItem(string indicator, JsonObject? tree, ReadOnlyMemory<byte> utf8)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        Indicator = indicator;
        _tree = tree;
        Utf8 = utf8;
    }

    public string Indicator { get; }

    /// <summary>The attributes as UTF-8 JSON (one object), or empty when the item is a tree.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>Whether the attributes are a tree (<see cref="Attributes"/> returns it as it is).</summary>
    public bool IsTree => _tree is not null;

    public static PollItem Of(string indicator, JsonObject attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return new PollItem(indicator, attributes, default);
    }

    /// <summary>An item over <paramref name="utf8Attributes"/>, one JSON object, not changed afterwards.</summary>
    public static PollItem OfUtf8(string indicator, ReadOnlyMemory<byte> utf8Attributes) => new(indicator, null, utf8Attributes);

    /// <summary>The attributes as a tree: the item's own, or parsed from its bytes (a new tree each call).</summary>
    public JsonObject Attributes() => _tree ?? JsonObjectReader.ParseObject(Utf8.Span) ?? [];
}
