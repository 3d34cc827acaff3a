namespace Minemeld.Streams.Hosting.State;

/// <summary>Reads the feeds the output workers keep: the version (for ETags) and consistent snapshots (for bodies).</summary>
public interface IFeedReadStore
{
    /// <summary>The feed's current version; 0 for a feed that was never written.</summary>
    Task<long> GetVersionAsync(string feed, CancellationToken cancellationToken);

    /// <summary>Opens one consistent version of the feed: every page read from it belongs to that version.</summary>
    Task<IFeedSnapshot> OpenSnapshotAsync(string feed, bool withValues, CancellationToken cancellationToken);
}
