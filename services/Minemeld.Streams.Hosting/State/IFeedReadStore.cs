namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Reads the feeds the output workers keep: the version (for ETags) and consistent snapshots (for bodies).
/// </summary>
public interface IFeedReadStore
{
    /// <summary>The feed's current version; 0 for a feed that was never written.</summary>
    Task<long> GetVersionAsync(string feed, CancellationToken cancellationToken);

    /// <summary>Opens one consistent version of the feed: every page read from it belongs to that version.</summary>
    Task<IFeedSnapshot> OpenSnapshotAsync(string feed, bool withValues, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> entries after <paramref name="after"/> in the order of their last change (score,
    /// then member bytes), the feed's members and its withdrawn entries (<see cref="IFeedStore.ApplyAsync"/>'s
    /// tombstones) merged, read in one atomic step. Paging on with the last entry's position never repeats or skips an
    /// entry that did not change meanwhile, however the feed changes between pages (a changed entry moves to the end).
    /// </summary>
    Task<AddedFeedPage> ReadAddedAsync(string feed, FeedPosition after, int limit, bool withValues, CancellationToken cancellationToken);
}
