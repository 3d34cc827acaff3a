namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A feed version held as a list: a small feed read whole in one atomic call, or the in-memory store's copy of a
/// version. <paramref name="withValues"/> false hides the values (as a reader that did not ask for them sees it).
/// </summary>
public sealed class InMemorySnapshot(long version, IReadOnlyList<FeedEntry> entries, bool withValues = true) : IFeedSnapshot
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
            var entry = entries[(int)(descending ? entries.Count - 1 - rank : rank)];
            page[i] = withValues ? entry : entry with { Value = null };
        }

        return Task.FromResult<IReadOnlyList<FeedEntry>>(page);
    }
}
