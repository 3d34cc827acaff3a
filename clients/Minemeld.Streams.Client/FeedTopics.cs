namespace Minemeld.Streams.Client;

/// <summary>
/// The Kafka topics a graph publishes, named as the engine names them (<c>Kafka:TopicPrefix</c>, <c>minemeld</c> by
/// default): node <c>N</c>'s changes on <c>prefix.graph.N</c>, a feed output's current set on
/// <c>prefix.graph.feed.table</c>.
/// </summary>
public static class FeedTopics
{
    public const string DefaultPrefix = "minemeld";

    /// <summary>
    /// A feed output's table topic: key = indicator, value = its current message, a tombstone when it leaves.
    /// </summary>
    public static string Table(string graph, string feed, string prefix = DefaultPrefix) => $"{Check(prefix, nameof(prefix))}.{Check(graph, nameof(graph))}.{Check(feed, nameof(feed))}.table";

    /// <summary>A node's edge topic: its updates and withdraws, in order per indicator.</summary>
    public static string Edge(string graph, string node, string prefix = DefaultPrefix) => $"{Check(prefix, nameof(prefix))}.{Check(graph, nameof(graph))}.{Check(node, nameof(node))}";

    private static string Check(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return value;
    }
}
