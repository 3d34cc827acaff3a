namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// How feeds are read: up to <paramref name="AtomicReadLimit"/> entries are read whole in one call; a larger feed
/// is read in pages from a copy of one version that lives <paramref name="SnapshotTtlSeconds"/> past its last read.
/// </summary>
public readonly record struct FeedReadOptions(int AtomicReadLimit, int SnapshotTtlSeconds);
