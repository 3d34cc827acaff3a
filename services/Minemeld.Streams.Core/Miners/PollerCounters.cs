namespace Minemeld.Streams.Core.Miners;

/// <summary>MineMeld's miner counters (docs/minemeld-engine.md, "Counters"), cumulative.</summary>
public sealed class PollerCounters
{
    public long Added { get; set; }

    public long Removed { get; set; }

    public long AgedOut { get; set; }

    public long GarbageCollected { get; set; }

    public long Flushed { get; set; }

    public long UpdateTx { get; set; }

    public long WithdrawTx { get; set; }

    public long ParseErrors { get; set; }

    public long PollErrors { get; set; }

    /// <summary>Items skipped by the node's over-broad guard (<see cref="Ranges.BroadnessGuard"/>).</summary>
    public long OverBroad { get; set; }
}
