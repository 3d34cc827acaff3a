namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A consumed node's counters, for its status (a node may run as several handlers: router and state).
/// </summary>
public interface INodeStatistics
{
    string Node { get; }

    NodeCounters Counters { get; }

    /// <summary>
    /// How many indicators the node holds, when this part of it knows (a DAG pusher's addresses); null otherwise.
    /// </summary>
    long? Length => null;

    /// <summary>
    /// What keeps the node from doing its work while it runs (a device a DAG pusher cannot reach), or null.
    /// </summary>
    string? Problem => null;

    /// <summary>
    /// The statistics of the handlers this one runs in front of, counted for the same node (none by default).
    /// </summary>
    IEnumerable<INodeStatistics> Behind => [];

    /// <summary><paramref name="handlers"/>' statistics and those of every handler behind them.</summary>
    static IEnumerable<INodeStatistics> Of(IEnumerable<object> handlers) =>
        handlers.OfType<INodeStatistics>().SelectMany(static h => Of(h.Behind).Prepend(h));
}
