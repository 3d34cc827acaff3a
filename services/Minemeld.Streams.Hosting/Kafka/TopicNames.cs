namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// Kafka names of a graph (docs/architecture.md, "Topics and delivery"): node <c>N</c> publishes to
/// <c>prefix.graph.N</c>; node <c>B</c> reads its inputs with group <c>prefix.graph.B</c>; a range aggregator re-keys
/// through <c>prefix.graph.B.repartition</c>; poison messages go to <c>topic.dlq</c>; a feed output mirrors its feed on
/// <c>prefix.graph.N.table</c>.
/// </summary>
public sealed class TopicNames
{
    private readonly string _prefix;

    public TopicNames(string prefix, string graph)
    {
        _prefix = prefix;
        Graph = graph;
    }

    public string Graph { get; }

    public string Edge(string node) => $"{_prefix}.{Graph}.{node}";

    public string Group(string node) => $"{_prefix}.{Graph}.{node}";

    /// <summary>
    /// The consumer group of every node of a role (<see cref="KafkaOptions.Layout"/> <c>role</c>):
    /// <c>prefix.graph@processor</c>, <c>prefix.graph@output</c>. Node names cannot hold '@', so no node's group is
    /// one.
    /// </summary>
    public string RoleGroup(string role) => $"{_prefix}.{Graph}@{role}";

    public string Repartition(string node) => $"{_prefix}.{Graph}.{node}.repartition";

    /// <summary>
    /// Where a graph's syslog messages arrive (MineMeld's fanout exchange, <c>mmeld-syslog</c> by default):
    /// <c>prefix.graph.syslog.exchange</c>. Every syslog node reads it with a group of its own.
    /// </summary>
    public string Syslog(string exchange) => $"{_prefix}.{Graph}.syslog.{exchange}";

    /// <summary>
    /// A feed output's table topic, <c>prefix.graph.node.table</c>: key = indicator, value = its current message, a
    /// tombstone (null value) when it leaves the feed. Compacted on a real cluster, so reading it from the start and
    /// keeping the last value per key gives the feed.
    /// </summary>
    public string Table(string node) => $"{_prefix}.{Graph}.{node}{TableSuffix}";

    /// <summary>
    /// Whether <paramref name="topic"/> is a table topic (node names hold no '.', so no edge topic ends so).
    /// </summary>
    public static bool IsTable(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic.EndsWith(TableSuffix, StringComparison.Ordinal);
    }

    private const string TableSuffix = ".table";

    private const string DeadLetterSuffix = ".dlq";

    public static string DeadLetter(string topic) => topic + DeadLetterSuffix;

    public static bool IsDeadLetter(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic.EndsWith(DeadLetterSuffix, StringComparison.Ordinal);
    }
}
