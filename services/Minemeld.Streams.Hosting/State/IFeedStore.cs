namespace Minemeld.Streams.Hosting.State;

/// <summary>Where a feed output keeps its members (the feed server reads the same layout).</summary>
public interface IFeedStore
{
    /// <summary>Current number of members.</summary>
    Task<long> CountAsync();

    /// <summary>Current size, and which of <paramref name="indicators"/> are members.</summary>
    Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators);

    /// <summary>Applies changes atomically and bumps the feed version when anything changed; returns (added, removed).</summary>
    Task<(long Added, long Removed)> ApplyAsync(IReadOnlyCollection<FeedChange> changes);
}
