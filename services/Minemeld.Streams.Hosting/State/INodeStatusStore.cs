using System.Text.Json.Nodes;

namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Node status as MineMeld reported it, one record per process that runs the node (the status API sums them).
/// </summary>
public interface INodeStatusStore
{
    Task WriteAsync(string node, string instance, NodeStatusRecord status, CancellationToken cancellationToken);

    Task<NodeStatusRecord?> ReadAsync(string node, string instance, CancellationToken cancellationToken);

    /// <summary>Every instance's status of the node.</summary>
    Task<IReadOnlyList<NodeStatusRecord>> ReadAllAsync(string node, CancellationToken cancellationToken);
}

/// <summary>One process's status of a node: class and kind of the node, and the status JSON.</summary>
public sealed record NodeStatusRecord(string ClassName, string Kind, JsonObject Status);
