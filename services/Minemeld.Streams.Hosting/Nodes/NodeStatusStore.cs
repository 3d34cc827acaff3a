using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.Redis;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// Node status as MineMeld reported it (state, counters, length, last run, last successful run, sub state, last
/// error), kept per node in the hash <c>mm:&lt;graph&gt;:&lt;node&gt;:status</c>: <c>class</c>, <c>kind</c>, and one
/// <c>instance:&lt;id&gt;</c> field per process running the node (the status API sums them).
/// </summary>
public sealed class NodeStatusStore(IConnectionMultiplexer redis, string graph)
{
    public static string InstanceId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    public Task WriteAsync(string node, string className, string kind, JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        status["updated"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return redis.GetDatabase().HashSetAsync(RedisKeys.Status(graph, node),
        [
            new HashEntry("class", className),
            new HashEntry("kind", kind),
            new HashEntry($"instance:{InstanceId}", status.ToJsonString()),
        ]);
    }

    public async Task<JsonObject?> ReadInstanceAsync(string node)
    {
        var value = await redis.GetDatabase().HashGetAsync(RedisKeys.Status(graph, node), $"instance:{InstanceId}").ConfigureAwait(false);
        return value.IsNull ? null : JsonNode.Parse(value.ToString()) as JsonObject;
    }
}
