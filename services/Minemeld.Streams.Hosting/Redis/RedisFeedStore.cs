using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// A feed in Redis: <c>members</c> sorted set (score = MineMeld's scoring attribute, last_seen by default, so
/// equal scores order by member bytes as in MineMeld), <c>values</c> hash (JSON text, kept verbatim), and
/// <c>version</c>, incremented by every batch that changed the feed (the feed server's ETag); a new feed's
/// version starts at the clock in microseconds, so versions never repeat after the store is wiped; and <c>gone</c>, the
/// tombstones of withdrawn members (scored by when they went) for readers in change order.
/// </summary>
public sealed class RedisFeedStore(IConnectionMultiplexer redis, string graph, string node) : IFeedStore
{
    private readonly RedisKey _members = RedisKeys.FeedMembers(graph, node);
    private readonly RedisKey _values = RedisKeys.FeedValues(graph, node);
    private readonly RedisKey _version = RedisKeys.FeedVersion(graph, node);
    private readonly RedisKey _gone = RedisKeys.FeedGone(graph, node);

    /// <summary>
    /// Removes the absent members with their values; each one that was a member gets a tombstone scored now, and
    /// ARGV: now, keep tombstones ('1'/'0'), then the indicators.
    /// </summary>
    private const string RemoveScript = """
        local removed = 0
        local keep = ARGV[2] == '1'
        for i = 3, #ARGV do
          if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
            removed = removed + 1
            if keep then redis.call('ZADD', KEYS[3], ARGV[1], ARGV[i]) end
          end
        end
        for i = 3, #ARGV, 1000 do
          redis.call('HDEL', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
        end
        return removed
        """;

    public Task<long> CountAsync(CancellationToken cancellationToken) => redis.GetDatabase().SortedSetLengthAsync(_members).WaitAsync(cancellationToken);

    public async Task<(long Count, IReadOnlySet<string> Members)> ProbeAsync(IReadOnlyCollection<string> indicators, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
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

    public async Task<(long Added, long Removed)> ApplyAsync(IReadOnlyCollection<FeedChange> changes, TimeSpan? tombstones, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return (0, 0);
        }

        // The command arguments in one pass, each array made at its size.
        int present = 0, withValue = 0;
        foreach (var change in changes)
        {
            present += change.Present ? 1 : 0;
            withValue += change.Present && change.ValueJson is not null ? 1 : 0;
        }

        var members = new SortedSetEntry[present];
        var memberNames = new string[present];
        var values = new HashEntry[withValue];
        var absent = new RedisValue[changes.Count - present];
        var absentNames = new string[absent.Length];
        int m = 0, v = 0, a = 0;
        foreach (var change in changes)
        {
            if (!change.Present)
            {
                absentNames[a] = change.Indicator;
                absent[a++] = change.Indicator;
                continue;
            }

            memberNames[m] = change.Indicator;
            members[m++] = new SortedSetEntry(change.Indicator, change.Score);
            if (change.ValueJson is not null)
            {
                values[v++] = new HashEntry(change.Indicator, change.ValueJson);
            }
        }

        // Members in order: a feed's scores are mostly equal (one poll, one last_seen), so the sorted set places
        // members by their bytes, and a batch that arrives in that order walks neighbouring skiplist nodes instead
        // of the whole set. Measured on 1M members in batches of 5,000: 3.7-3.9 s of server time instead of
        // 4.9-6.6 s (ordinal order is byte order for the ASCII of indicators; otherwise it is only less local).
        Array.Sort(memberNames, members, StringComparer.Ordinal);
        Array.Sort(absentNames, absent, StringComparer.Ordinal);

        var transaction = redis.GetDatabase().CreateTransaction();
        var added = members.Length > 0 ? transaction.SortedSetAddAsync(_members, members) : Task.FromResult(0L);
        if (values.Length > 0)
        {
            _ = transaction.HashSetAsync(_values, values);
        }

        // Values go with their members, whether or not this node stores values (MineMeld's HDEL); members that went
        // leave a tombstone, members that came back lose theirs.
        var retention = tombstones ?? IFeedStore.DefaultTombstoneRetention;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var removed = absent.Length > 0
            ? transaction.ScriptEvaluateAsync(RemoveScript, [_members, _values, _gone], [now, retention > TimeSpan.Zero ? "1" : "0", .. absent])
            : null;
        if (members.Length > 0)
        {
            _ = transaction.SortedSetRemoveAsync(_gone, [.. members.Select(static m => m.Element)]);
        }

        _ = transaction.SortedSetRemoveRangeByScoreAsync(_gone, double.NegativeInfinity, now - retention.TotalMilliseconds, Exclude.Stop);

        // A new feed's version starts at the clock (µs), so a store that was wiped never reuses an ETag.
        _ = transaction.StringSetAsync(_version, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, when: When.NotExists);
        _ = transaction.StringIncrementAsync(_version);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the update of feed {node} was not applied");
        }

        return (await added.ConfigureAwait(false), removed is null ? 0 : (long)await removed.ConfigureAwait(false));
    }
}
