using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// A feed in Redis: <c>members</c> sorted set (score = MineMeld's scoring attribute, last_seen by default, so
/// equal scores order by member bytes as in MineMeld), <c>values</c> hash (JSON text, kept verbatim), and
/// <c>version</c>, incremented by every batch that changed the feed (the feed server's ETag); a new feed's
/// version starts at the clock in microseconds, so versions never repeat after the store is wiped.
/// </summary>
public sealed class RedisFeedStore(IConnectionMultiplexer redis, string graph, string node) : IFeedStore
{
    private readonly RedisKey _members = RedisKeys.FeedMembers(graph, node);
    private readonly RedisKey _values = RedisKeys.FeedValues(graph, node);
    private readonly RedisKey _version = RedisKeys.FeedVersion(graph, node);

    public Task<long> CountAsync() => redis.GetDatabase().SortedSetLengthAsync(_members);

    public async Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var count = batch.SortedSetLengthAsync(_members);
        var scores = indicators.Select(i => (Indicator: i, Score: batch.SortedSetScoreAsync(_members, i))).ToList();
        batch.Execute();
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (indicator, score) in scores)
        {
            if (await score.ConfigureAwait(false) is not null)
            {
                members.Add(indicator);
            }
        }

        return (await count.ConfigureAwait(false), members);
    }

    public async Task<(long Added, long Removed)> ApplyAsync(IReadOnlyList<FeedChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return (0, 0);
        }

        var transaction = redis.GetDatabase().CreateTransaction();
        var present = changes.Where(static c => c.Present).ToArray();
        var absent = changes.Where(static c => !c.Present).Select(static c => (RedisValue)c.Indicator).ToArray();
        var added = present.Length > 0
            ? transaction.SortedSetAddAsync(_members, [.. present.Select(static c => new SortedSetEntry(c.Indicator, c.Score))])
            : Task.FromResult(0L);
        var values = present.Where(static c => c.ValueJson is not null).Select(static c => new HashEntry(c.Indicator, c.ValueJson)).ToArray();
        if (values.Length > 0)
        {
            _ = transaction.HashSetAsync(_values, values);
        }

        var removed = absent.Length > 0 ? transaction.SortedSetRemoveAsync(_members, absent) : Task.FromResult(0L);
        if (absent.Length > 0)
        {
            // Values go with their members, whether or not this node stores values (MineMeld's HDEL).
            _ = transaction.HashDeleteAsync(_values, absent);
        }

        // A new feed's version starts at the clock (µs), so a store that was wiped never reuses an ETag.
        _ = transaction.StringSetAsync(_version, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, when: When.NotExists);
        _ = transaction.StringIncrementAsync(_version);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the update of feed {node} was not applied");
        }

        return (await added.ConfigureAwait(false), await removed.ConfigureAwait(false));
    }
}
