using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// One item of a poll: an indicator and its attributes, a tree (a parsed feed line) or UTF-8 JSON (a local list entry,
/// see <see cref="ListEntry"/>). A poller writes a new row's value straight from plain bytes and builds the tree only
/// where it needs one (a row it already holds, a private or repeated name).
/// </summary>
public readonly record struct PollItem(string Indicator, IndicatorJson Attributes)
{
    public string Indicator { get; } = Indicator ?? throw new ArgumentNullException(nameof(Indicator));

    /// <summary>The attributes as a tree: the item's own, or parsed from its bytes (a new tree each call).</summary>
    public System.Text.Json.Nodes.JsonObject Tree() => Attributes.ToTree() ?? [];
}
