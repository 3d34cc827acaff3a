using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.NodeClasses;

namespace Minemeld.Streams.Hosting.Syslog;

/// <summary>
/// Which syslog topics a graph reads: one per <c>exchange</c> its syslog nodes name (MineMeld's default
/// <c>mmeld-syslog</c>).
/// </summary>
public static class SyslogSettings
{
    public const string DefaultExchange = "mmeld-syslog";

    public static bool IsSyslogNode(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Class.Name is NodeClassRegistry.SyslogMatcher or NodeClassRegistry.SyslogMiner;
    }

    public static string Exchange(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return JsonNodeValues.TryGetString(config["exchange"], out var exchange) && exchange.Length > 0 ? exchange : DefaultExchange;
    }

    /// <summary>The exchanges of a graph's syslog nodes, with the most partitions a node asked for.</summary>
    public static IReadOnlyDictionary<string, int> Exchanges(NodeGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var exchanges = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(IsSyslogNode))
        {
            var exchange = Exchange(node.Config);
            exchanges[exchange] = Math.Max(exchanges.GetValueOrDefault(exchange), node.Partitions);
        }

        return exchanges;
    }
}
