using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>Node status per node and instance; kept as JSON text, so a caller's later edits never leak in.</summary>
internal sealed class MemoryNodeStatusStore : INodeStatusStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string ClassName, string Kind, Dictionary<string, string> Instances)> _nodes = new(StringComparer.Ordinal);

    public Task WriteAsync(string node, string instance, NodeStatusRecord status, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(status);
        var json = status.Status.ToJsonString();
        lock (_gate)
        {
            var instances = _nodes.TryGetValue(node, out var entry) ? entry.Instances : new Dictionary<string, string>(StringComparer.Ordinal);
            instances[instance] = json;
            _nodes[node] = (status.ClassName, status.Kind, instances);
        }

        return Task.CompletedTask;
    }

    /// <summary>Drops the node's status (its state was deleted); returns 1 if there was one.</summary>
    public int Forget(string node)
    {
        lock (_gate)
        {
            return _nodes.Remove(node) ? 1 : 0;
        }
    }

    public Task<NodeStatusRecord?> ReadAsync(string node, string instance, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_nodes.TryGetValue(node, out var entry) && entry.Instances.TryGetValue(instance, out var json)
                ? new NodeStatusRecord(entry.ClassName, entry.Kind, (JsonObject)JsonNode.Parse(json)!)
                : null);
        }
    }

    public Task<IReadOnlyList<NodeStatusRecord>> ReadAllAsync(string node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<NodeStatusRecord>>(_nodes.TryGetValue(node, out var entry)
                ? [.. entry.Instances.Values.Select(json => new NodeStatusRecord(entry.ClassName, entry.Kind, (JsonObject)JsonNode.Parse(json)!))]
                : []);
        }
    }
}
