namespace Minemeld.Streams.Core.Graph;

/// <summary>A valid, resolved graph: nodes by name in file order, and the edges between them.</summary>
public sealed class NodeGraph
{
    /// <summary>Partitions of an edge topic when the graph does not say (design.md).</summary>
    public const int DefaultPartitions = 6;

    private readonly Dictionary<string, GraphNode> _nodes;
    private readonly Dictionary<string, List<string>> _consumers;

    public NodeGraph(string name, IReadOnlyList<GraphNode> nodes, string? sourcePath)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Name = name;
        Nodes = nodes;
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
    }

    /// <summary>The graph's name: part of every topic, consumer group and Redis key.</summary>
    public string Name { get; }

    public IReadOnlyList<GraphNode> Nodes { get; }

    public string? SourcePath { get; }

    public GraphNode this[string name] => _nodes[name];

    public bool TryGetNode(string name, out GraphNode node) => _nodes.TryGetValue(name, out node!);

    /// <summary>Nodes that list <paramref name="name"/> among their inputs.</summary>
    public IReadOnlyList<string> ConsumersOf(string name) => _consumers[name];

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
