namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>A consumed node's counters, for its status (a node may run as several handlers: router and state).</summary>
public interface INodeStatistics
{
    string Node { get; }

    NodeCounters Counters { get; }
}
