using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>Reads the in-memory feeds: every snapshot is one immutable version, however large.</summary>
internal sealed class MemoryFeedReader(MemoryStateStore store, string graph) : IFeedReadStore
{
    public Task<long> GetVersionAsync(string feed, CancellationToken cancellationToken) =>
        Task.FromResult(store.FindFeed(graph, feed)?.Version ?? 0);

    public Task<IFeedSnapshot> OpenSnapshotAsync(string feed, bool withValues, CancellationToken cancellationToken)
    {
        var (version, entries) = store.FindFeed(graph, feed)?.Read() ?? (0, []);
        return Task.FromResult<IFeedSnapshot>(new InMemorySnapshot(version, entries, withValues));
    }

    public Task<AddedFeedPage> ReadAddedAsync(string feed, FeedPosition after, int limit, bool withValues, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Task.FromResult(store.FindFeed(graph, feed)?.ReadAdded(after, limit, withValues) ?? new AddedFeedPage([], false));
    }
}
