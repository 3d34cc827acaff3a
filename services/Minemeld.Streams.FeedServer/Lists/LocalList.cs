using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Nodes.Miners;

namespace Minemeld.Streams.FeedServer.Lists;

/// <summary>A local-list node of the graph with its store.</summary>
public sealed record LocalList(GraphNode Node, LocalListStore Store)
{
    /// <summary>
    /// localdb's lifetime for an entry appended without <c>ttl</c>: the node's <c>default_ttl</c> (86400 s by default)
    /// for a localdb miner; YAML lists have no expiry, so none there.
    /// </summary>
    public long? DefaultTtlSeconds => Node.Class.Name == NodeClassRegistry.LocalDbMiner
        ? (JsonNodeValues.TryGetInt64(Node.Config["default_ttl"], out var ttl) ? ttl : 86400)
        : null;

    /// <summary>
    /// The indicator type every entry has, for typed lists (IPv4, URL...); null when entries carry their own.
    /// </summary>
    public string? ForcedType => Node.Class.ForcedIndicatorType;
}
