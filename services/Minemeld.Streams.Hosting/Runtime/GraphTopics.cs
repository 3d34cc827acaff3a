using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// The topics a graph needs: an edge topic per publishing node, a repartition topic per aggregator, each with its
/// dead-letter topic, a table topic per feed output (unless it says <c>table_topic: false</c>), and the syslog topic of
/// each exchange its syslog nodes read.
/// </summary>
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

            if (node.HasTableTopic)
            {
                topics.Add((names.Table(node.Name), node.Partitions));
            }

            if (node.Kind == NodeKind.Processor && node.Class.Name != NodeClassRegistry.SyslogMatcher)
            {
                topics.Add((names.Repartition(node.Name), node.Partitions));
                topics.Add((TopicNames.DeadLetter(names.Repartition(node.Name)), 1));
            }
        }

        foreach (var (exchange, partitions) in Syslog.SyslogSettings.Exchanges(graph))
        {
            topics.Add((names.Syslog(exchange), partitions));
        }

        return topics;
    }
}
