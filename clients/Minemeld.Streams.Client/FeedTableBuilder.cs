using Minemeld.Streams.Core.Messages;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Table;

namespace Minemeld.Streams.Client;

/// <summary>
/// A feed as a Streamiz table, from its table topic (or from any node's edge topic: withdraws remove as tombstones
/// do). Keys are the indicators as the feed holds them (an IPv4 range as <c>first-last</c>); values the messages, with
/// the indicator's attributes in <see cref="IndicatorMessage.Value"/>.
/// </summary>
public static class FeedTableBuilder
{
    /// <summary>
    /// Every indicator of the feed in every instance of the application (a global table: read from the topic's start at
    /// every start, no consumer group, no internal topic): what an enrichment join of an event stream needs
    /// (<c>stream.LeftJoin(feed, (key, ev) =&gt; ev.SourceAddress, ...)</c>).
    /// </summary>
    public static IGlobalKTable<string, IndicatorMessage?> GlobalFeedTable(this StreamBuilder builder, string topic, string storeName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        return builder.GlobalTable(topic, new StringSerDes(), new IndicatorMessageSerDes(), InMemory.As<string, IndicatorMessage?>(storeName));
    }

    /// <summary>
    /// The feed partitioned across the application's instances (a KTable: each instance holds the partitions its group
    /// assigns it, kept in an in-memory store with a changelog topic <c>applicationId-storeName-changelog</c>, which
    /// Streamiz creates on a real cluster; create it beforehand on a broker without CreateTopics).
    /// </summary>
    public static IKTable<string, IndicatorMessage?> FeedTable(this StreamBuilder builder, string topic, string storeName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        return builder.Table(topic, new StringSerDes(), new IndicatorMessageSerDes(), InMemory.As<string, IndicatorMessage?>(storeName));
    }
}
