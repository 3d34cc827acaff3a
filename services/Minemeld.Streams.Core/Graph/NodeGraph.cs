using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Graph;

/// <summary>A valid, resolved graph: nodes by name in file order, and the edges between them.</summary>
public sealed class NodeGraph
{
    /// <summary>
    /// Partitions of an edge topic when the graph does not say (docs/minemeld-compatibility.md, "Graphs").
    /// </summary>
    public const int DefaultPartitions = 6;

    private readonly Dictionary<string, GraphNode> _nodes;
    private readonly Dictionary<string, List<string>> _consumers;

    public NodeGraph(string name, IReadOnlyList<GraphNode> nodes, string? sourcePath)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Name = name;
        SourcePath = sourcePath;
        _nodes = nodes.ToDictionary(static n => n.Name, StringComparer.Ordinal);
        _consumers = nodes.ToDictionary(static n => n.Name, static _ => new List<string>(), StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var input in node.Inputs)
            {
                _consumers[input].Add(node.Name);
            }
        }

        var whitelistOnly = new Dictionary<string, bool>(StringComparer.Ordinal);
        Nodes = [.. nodes.Select(n => _nodes[n.Name] = n with { Guard = GuardOf(n, whitelistOnly) })];
    }

    /// <summary>The graph's name: part of every topic, consumer group and Redis key.</summary>
    public string Name { get; }

    public IReadOnlyList<GraphNode> Nodes { get; }

    public string? SourcePath { get; }

    public GraphNode this[string name] => _nodes[name];

    public bool TryGetNode(string name, out GraphNode node) => _nodes.TryGetValue(name, out node!);

    /// <summary>Nodes that list <paramref name="name"/> among their inputs.</summary>
    public IReadOnlyList<string> ConsumersOf(string name) => _consumers[name];

    /// <summary>
    /// A node's over-broad guard. A miner that sets neither key gets the default unless everything it feeds takes it
    /// as a whitelist (directly, or through processors that are themselves only whitelists): a bogon or RFC 1918
    /// whitelist legitimately holds a 240.0.0.0/4, and refusing it would block more, not less.
    /// </summary>
    private BroadnessGuard GuardOf(GraphNode node, Dictionary<string, bool> whitelistOnly)
    {
        if (BroadnessGuard.IsConfigured(node.Config))
        {
            return BroadnessGuard.FromConfig(node.Config, BroadnessGuard.Default);
        }

        return node.Kind == NodeKind.Miner && IsWhitelistOnly(node.Name, whitelistOnly) ? BroadnessGuard.Off : BroadnessGuard.Default;
    }

    private bool IsWhitelistOnly(string name, Dictionary<string, bool> memo)
    {
        if (memo.TryGetValue(name, out var known))
        {
            return known;
        }

        memo[name] = false; // a cycle (refused by the loader anyway) ends here
        var consumers = _consumers[name];
        var result = consumers.Count > 0 && consumers.All(c =>
            TakesAsWhitelist(_nodes[c], name) || (_nodes[c].Kind == NodeKind.Processor && IsWhitelistOnly(c, memo)));
        memo[name] = result;
        return result;
    }

    private static bool TakesAsWhitelist(GraphNode consumer, string input) =>
        consumer.Config["whitelist_prefixes"] is JsonArray prefixes &&
        prefixes.Any(p => JsonNodeValues.TryGetString(p, out var prefix) && input.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Nodes in an order where every node comes after its inputs.</summary>
    public IReadOnlyList<GraphNode> TopologicalOrder()
    {
        var remaining = Nodes.ToDictionary(static n => n.Name, static n => n.Inputs.Count, StringComparer.Ordinal);
        var ready = new Queue<GraphNode>(Nodes.Where(static n => n.Inputs.Count == 0));
        var order = new List<GraphNode>(Nodes.Count);
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var consumer in _consumers[node.Name])
            {
                if (--remaining[consumer] == 0)
                {
                    ready.Enqueue(_nodes[consumer]);
                }
            }
        }

        return order;
    }
}
