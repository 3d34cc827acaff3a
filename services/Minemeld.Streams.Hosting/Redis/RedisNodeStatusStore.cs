using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// Node status in the hash <c>mm:&lt;graph&gt;:&lt;node&gt;:status</c>: <c>class</c>, <c>kind</c>, and one
/// <c>instance:&lt;id&gt;</c> field (status JSON) per process running the node.
/// </summary>
public sealed class RedisNodeStatusStore(IConnectionMultiplexer redis, string graph) : INodeStatusStore
{
    private const string InstancePrefix = "instance:";

    public Task WriteAsync(string node, string instance, NodeStatusRecord status, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(status);
        return redis.GetDatabase().HashSetAsync(RedisKeys.Status(graph, node),
        [
            new HashEntry("class", status.ClassName),
            new HashEntry("kind", status.Kind),
            new HashEntry(InstancePrefix + instance, status.Status.ToJsonString()),
        ]);
    }

    public async Task<NodeStatusRecord?> ReadAsync(string node, string instance, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var values = await redis.GetDatabase().HashGetAsync(RedisKeys.Status(graph, node), ["class", "kind", InstancePrefix + instance]).ConfigureAwait(false);
        return values[2].IsNull || JsonNode.Parse(values[2].ToString()) is not JsonObject status
            ? null
            : new NodeStatusRecord(values[0].ToString(), values[1].ToString(), status);
    }

    public async Task<IReadOnlyList<NodeStatusRecord>> ReadAllAsync(string node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fields = (await redis.GetDatabase().HashGetAllAsync(RedisKeys.Status(graph, node)).ConfigureAwait(false))
            .ToDictionary(static e => e.Name.ToString(), static e => e.Value.ToString(), StringComparer.Ordinal);
        var className = fields.GetValueOrDefault("class", string.Empty);
        var kind = fields.GetValueOrDefault("kind", string.Empty);
        return [.. fields.Where(static f => f.Key.StartsWith(InstancePrefix, StringComparison.Ordinal))
            .Select(f => JsonNode.Parse(f.Value) is JsonObject status ? new NodeStatusRecord(className, kind, status) : null)
            .OfType<NodeStatusRecord>()];
    }
}
