namespace Minemeld.Streams.Hosting.State;

/// <summary>One version of a feed, ordered as MineMeld read it: by score (last_seen), ties by member bytes.</summary>
public interface IFeedSnapshot
{
    long Version { get; }

    long Count { get; }

    /// <summary>
    /// Up to <paramref name="count"/> entries from rank <paramref name="start"/> (ascending, or from the end when
    /// <paramref name="descending"/>). Throws <see cref="FeedSnapshotLostException"/> when the snapshot vanished
    /// under the reader, so a response is aborted rather than silently cut short.
    /// </summary>
    Task<IReadOnlyList<FeedEntry>> ReadAsync(long start, int count, bool descending, CancellationToken cancellationToken);
}
