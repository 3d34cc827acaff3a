namespace Minemeld.Streams.Hosting.State;

/// <summary>Where a feed output keeps its members (the feed server reads the same layout).</summary>
public interface IFeedStore
{
    /// <summary>Current number of members.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Current size, and which of <paramref name="indicators"/> are members.</summary>
    Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators, CancellationToken cancellationToken);

    /// <summary>
    /// Applies changes atomically and bumps the feed version when anything changed; returns (added, removed). A member
    /// that goes is kept as a tombstone (indicator → when) for <paramref name="tombstones"/> (default
    /// <see cref="DefaultTombstoneRetention"/>; zero keeps none), so readers in change order (TAXII) learn it went; a
    /// member that comes back loses its tombstone.
    /// </summary>
    Task<(long Added, long Removed)> ApplyAsync(IReadOnlyCollection<FeedChange> changes, TimeSpan? tombstones, CancellationToken cancellationToken);

    /// <summary>How long a withdrawn member is remembered unless the output says otherwise.</summary>
    static readonly TimeSpan DefaultTombstoneRetention = TimeSpan.FromDays(7);
}
