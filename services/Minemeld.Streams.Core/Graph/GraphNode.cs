using System.Text.Json.Nodes;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Graph;

/// <summary>
/// A node after prototype resolution: its class, the prototype's config with the node's config merged over it,
/// its inputs in order (the merge order of aggregators), whether it publishes, and its topic's partition count.
/// </summary>
public sealed record GraphNode(
    string Name,
    string? Prototype,
    string ClassName,
    NodeClassDescriptor Class,
    IReadOnlyList<string> Inputs,
    bool Output,
    JsonObject Config,
    int Partitions,
    SourceLocation Location)
{
    public NodeKind Kind => Class.Kind;

    /// <summary>
    /// An output that holds a feed served over HTTP (MineMeld's RedisSet); other outputs push elsewhere.
    /// </summary>
    public bool IsFeed => Class.Name == NodeClassRegistry.RedisSet;

    /// <summary>
    /// A feed output that mirrors its feed on a table topic (<c>prefix.graph.node.table</c>: key = indicator, value =
    /// the indicator's current message, a tombstone when it leaves): every feed unless its config says
    /// <c>table_topic: false</c>. Not a MineMeld key.
    /// </summary>
    public bool HasTableTopic => IsFeed && (Config["table_topic"] is not { } flag || flag.GetValueKind() != System.Text.Json.JsonValueKind.False);

    /// <summary>
    /// The over-broad guard of a miner or feed output, as <see cref="NodeGraph"/> resolves it: the node's config
    /// keys, else off for a miner whose indicators only reach aggregators as a whitelist, else the default.
    /// </summary>
    public BroadnessGuard Guard { get; init; } = BroadnessGuard.Default;
}
