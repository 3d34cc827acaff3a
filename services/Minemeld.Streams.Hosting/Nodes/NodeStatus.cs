using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>How this process writes and reads node status (one record per node and process).</summary>
public static class NodeStatus
{
    /// <summary>This process, as status records and poll leases name it.</summary>
    public static string InstanceId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// Writes this process's status of a node, stamped with the time (<c>updated</c>, epoch ms) the status API ages it
    /// by.
    /// </summary>
    public static Task WriteAsync(this INodeStatusStore store, string node, string className, string kind, JsonObject status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(status);
        status["updated"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return store.WriteAsync(node, InstanceId, new NodeStatusRecord(className, kind, status), cancellationToken);
    }

    /// <summary>This process's status of a node (null when it wrote none).</summary>
    public static async Task<JsonObject?> ReadInstanceAsync(this INodeStatusStore store, string node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.ReadAsync(node, InstanceId, cancellationToken).ConfigureAwait(false))?.Status;
    }
}
