namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>A small feed read whole in one atomic call: the snapshot is the list itself.</summary>
internal sealed class InMemorySnapshot(long version, IReadOnlyList<FeedEntry> entries) : IFeedSnapshot
{
    public long Version => version;

    public long Count => entries.Count;

    public Task<IReadOnlyList<FeedEntry>> ReadAsync(long start, int count, bool descending, CancellationToken cancellationToken)
    {
        if (start >= entries.Count || count <= 0)
        {
            return Task.FromResult<IReadOnlyList<FeedEntry>>([]);
        }

        var take = (int)Math.Min(count, entries.Count - start);
        var page = new FeedEntry[take];
        for (var i = 0; i < take; i++)
        {
            var rank = start + i;
            page[i] = entries[(int)(descending ? entries.Count - 1 - rank : rank)];
        }

        return Task.FromResult<IReadOnlyList<FeedEntry>>(page);
    }
}
