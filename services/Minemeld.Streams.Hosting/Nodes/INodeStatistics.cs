namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>A consumed node's counters, for its status (a node may run as several handlers: router and state).</summary>
public interface INodeStatistics
{
    string Node { get; }

    NodeCounters Counters { get; }

    /// <summary>The statistics of the handlers this one runs in front of, counted for the same node (none by default).</summary>
    IEnumerable<INodeStatistics> Behind => [];

    /// <summary><paramref name="handlers"/>' statistics and those of every handler behind them.</summary>
    static IEnumerable<INodeStatistics> Of(IEnumerable<object> handlers) =>
        handlers.OfType<INodeStatistics>().SelectMany(static h => Of(h.Behind).Prepend(h));
}
