namespace Minemeld.Streams.Core.Aggregation;

/// <summary>
/// MineMeld's aggregator counters that a single message can move (docs/minemeld-engine.md, "Counters").
/// </summary>
public sealed class AggregatorCounters
{
    public long Added { get; set; }

    public long Removed { get; set; }

    public long UpdateIgnored { get; set; }

    public long WithdrawIgnored { get; set; }

    /// <summary>Updates whose indicator is not an address, CIDR or range of the node's family.</summary>
    public long ParseErrors { get; set; }
}
