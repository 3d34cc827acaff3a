using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// Everything a formatter needs: the feed's name, one consistent snapshot, the query, and the output.
/// </summary>
public sealed class FeedRenderContext(string feed, IFeedSnapshot snapshot, FeedQuery query, FeedOutput output, int pageSize, TimeProvider time)
{
    /// <summary>
    /// MineMeld's FEED_INTERVAL: entries per logical page (the plain format's framing depends on it).
    /// </summary>
    public const int MineMeldPage = 100;

    public string Feed => feed;

    public IFeedSnapshot Snapshot => snapshot;

    public FeedQuery Query => query;

    public FeedOutput Output => output;

    public TimeProvider Time => time;

    /// <summary>
    /// MineMeld's read loop over <c>s</c>, <c>n</c> and <c>d</c>: pages of 100 from rank s, stopping after n entries
    /// or when <paramref name="onPage"/> reports fewer than 100 items (after its own expansion, as MineMeld measured
    /// the page it had built). Physically, Redis is read <c>pageSize</c> entries at a time.
    /// </summary>
    public async Task ForEachPageAsync(Func<IReadOnlyList<FeedEntry>, int> onPage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPage);
        var reader = new BufferedReader(snapshot, query.Descending, pageSize);
        var end = query.Start + query.Count;
        for (var start = query.Start; start < end; start += MineMeldPage)
        {
            var want = (int)Math.Min(end - start, MineMeldPage);
            var page = await reader.ReadAsync(start, want, cancellationToken).ConfigureAwait(false);
            var items = onPage(page);
            await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            if (items < MineMeldPage)
            {
                break;
            }
        }
    }

    /// <summary>The whole feed in ascending order (bluecoat, carbonblack), in physical pages.</summary>
    public async IAsyncEnumerable<IReadOnlyList<FeedEntry>> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (long start = 0; start < snapshot.Count; start += pageSize)
        {
            yield return await snapshot.ReadAsync(start, pageSize, descending: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serves sequential small windows out of large physical reads.</summary>
    private sealed class BufferedReader(IFeedSnapshot snapshot, bool descending, int pageSize)
    {
        private IReadOnlyList<FeedEntry> _buffer = [];
        private long _bufferStart;

        public async Task<IReadOnlyList<FeedEntry>> ReadAsync(long start, int count, CancellationToken cancellationToken)
        {
            if (start < _bufferStart || start + count > _bufferStart + _buffer.Count)
            {
                if (start >= snapshot.Count)
                {
                    return [];
                }

                _bufferStart = start;
                _buffer = await snapshot.ReadAsync(start, Math.Max(count, pageSize), descending, cancellationToken).ConfigureAwait(false);
            }

            var offset = (int)(start - _bufferStart);
            var take = Math.Min(count, _buffer.Count - offset);
            if (take <= 0)
            {
                return [];
            }

            var page = new FeedEntry[take];
            for (var i = 0; i < take; i++)
            {
                page[i] = _buffer[offset + i];
            }

            return page;
        }
    }
}
