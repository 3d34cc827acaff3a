using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>
/// A feed in memory, ordered as the Redis sorted set orders it (score, then member bytes). Readers get an immutable
/// copy of one version, made once per version and shared, like the Redis store's snapshot keys.
/// </summary>
internal sealed class MemoryFeed(TimeProvider time) : IFeedStore
{
    private static readonly Comparer<(double Score, string Member)> Order =
        Comparer<(double Score, string Member)>.Create(static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : Utf8Order.Compare(a.Member, b.Member));

    private readonly Lock _gate = new();
    private readonly SortedSet<(double Score, string Member)> _order = new(Order);
    private readonly Dictionary<string, double> _scores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly SortedSet<(double Score, string Member)> _goneOrder = new(Order);
    private readonly Dictionary<string, double> _gone = new(StringComparer.Ordinal);
    private long _version;
    private FeedEntry[]? _entries;
    private long _entriesVersion = -1;

    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public Task<long> CountAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult((long)_scores.Count);
        }
    }

    public Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(indicators);
        lock (_gate)
        {
            IReadOnlySet<string> members = indicators.Where(_scores.ContainsKey).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult(((long)_scores.Count, members));
        }
    }

    public Task<(long Added, long Removed)> ApplyAsync(IReadOnlyCollection<FeedChange> changes, TimeSpan? tombstones, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.FromResult((0L, 0L));
        }

        long added = 0, removed = 0;
        lock (_gate)
        {
            foreach (var change in changes.Where(static c => c.Present))
            {
                if (_scores.TryGetValue(change.Indicator, out var old))
                {
                    _order.Remove((old, change.Indicator));
                }
                else
                {
                    added++;
                }

                _scores[change.Indicator] = change.Score;
                _order.Add((change.Score, change.Indicator));
                if (change.ValueJson is not null)
                {
                    _values[change.Indicator] = change.ValueJson;
                }
            }

            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var retention = tombstones ?? IFeedStore.DefaultTombstoneRetention;
            foreach (var change in changes.Where(static c => c.Present))
            {
                Forget(change.Indicator);
            }

            foreach (var change in changes.Where(static c => !c.Present))
            {
                if (_scores.Remove(change.Indicator, out var old))
                {
                    _order.Remove((old, change.Indicator));
                    removed++;
                    if (retention > TimeSpan.Zero)
                    {
                        Forget(change.Indicator);
                        _gone[change.Indicator] = now;
                        _goneOrder.Add((now, change.Indicator));
                    }
                }

                _values.Remove(change.Indicator);
            }

            while (_goneOrder.Count > 0 && _goneOrder.Min.Score < now - retention.TotalMilliseconds)
            {
                Forget(_goneOrder.Min.Member);
            }

            // As in Redis: a new feed's version starts at the clock (µs), then grows by one per batch.
            _version = _version == 0 ? (time.GetUtcNow().ToUnixTimeMilliseconds() * 1000) + 1 : _version + 1;
        }

        return Task.FromResult((added, removed));
    }

    /// <summary>
    /// Entries after a position in (score, member) order, members and tombstones merged (see
    /// <see cref="IFeedReadStore.ReadAddedAsync"/>).
    /// </summary>
    public AddedFeedPage ReadAdded(FeedPosition after, int limit, bool withValues)
    {
        lock (_gate)
        {
            var merged = After(_order, after).Select(e => new AddedFeedEntry(e.Member, e.Score, withValues ? _values.GetValueOrDefault(e.Member) : null, false))
                .Concat(After(_goneOrder, after).Select(static e => new AddedFeedEntry(e.Member, e.Score, null, true)))
                .OrderBy(static e => (e.Score, e.Indicator), Comparer<(double Score, string Member)>.Create(static (a, b) => Order.Compare(a, b)))
                .Take(limit + 1)
                .ToList();
            return new AddedFeedPage([.. merged.Take(limit)], merged.Count > limit);
        }
    }

    /// <summary>
    /// The entries of <paramref name="set"/> after the position, through a view of the tree (no scan from the start).
    /// </summary>
    private static IEnumerable<(double Score, string Member)> After(SortedSet<(double Score, string Member)> set, FeedPosition after)
    {
        var lower = after.Member is null ? (Math.BitIncrement(after.Score), string.Empty) : (after.Score, after.Member);
        if (set.Count == 0 || Order.Compare(lower, set.Max) > 0)
        {
            return [];
        }

        return set.GetViewBetween(lower, set.Max).Where(e => after.Member is null || Order.Compare(e, lower) > 0);
    }

    private void Forget(string indicator)
    {
        if (_gone.Remove(indicator, out var when))
        {
            _goneOrder.Remove((when, indicator));
        }
    }

    /// <summary>The current version as an immutable list, built at most once per version.</summary>
    public (long Version, FeedEntry[] Entries) Read()
    {
        lock (_gate)
        {
            if (_entriesVersion != _version)
            {
                var entries = new FeedEntry[_order.Count];
                var i = 0;
                foreach (var (_, member) in _order)
                {
                    entries[i++] = new FeedEntry(member, _values.GetValueOrDefault(member));
                }

                _entries = entries;
                _entriesVersion = _version;
            }

            return (_version, _entries!);
        }
    }
}
