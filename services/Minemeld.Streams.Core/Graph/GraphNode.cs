using System.Text.Json.Nodes;
using Minemeld.Streams.Core.NodeClasses;
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
}
