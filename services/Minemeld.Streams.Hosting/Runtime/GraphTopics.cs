using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>The topics a graph needs: an edge topic per publishing node, a repartition topic per processor, each with its dead-letter topic.</summary>
public static class GraphTopics
{
    public static IReadOnlyList<(string Topic, int Partitions)> For(NodeGraph graph, TopicNames names)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(names);
        var topics = new List<(string, int)>();
        foreach (var node in graph.Nodes)
        {
            if (node.Output)
            {
                topics.Add((names.Edge(node.Name), node.Partitions));
                topics.Add((TopicNames.DeadLetter(names.Edge(node.Name)), 1));
            }

            if (node.Kind == NodeKind.Processor)
            {
                topics.Add((names.Repartition(node.Name), node.Partitions));
                topics.Add((TopicNames.DeadLetter(names.Repartition(node.Name)), 1));
            }
        }

        return topics;
    }
}
