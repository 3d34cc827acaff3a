using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// Reads feeds from the layout the output workers write (<c>members</c>, <c>values</c>, <c>version</c>). A feed of at
/// most <see cref="FeedReadOptions.AtomicReadLimit"/> entries is read whole in one script; a larger one is copied once
/// per version into snapshot keys (ZRANGESTORE + COPY in one script, so the copy is exactly one version), which every
/// request for that version shares and which expire when no longer read (docs/feed-api.md, "Endpoints and behaviour":
/// snapshots).
/// </summary>
public sealed class RedisFeedReadStore(IConnectionMultiplexer redis, string graph, FeedReadOptions settings) : IFeedReadStore
{
    /// <summary>
    /// Lua both scripts start with: the values of <c>members</c> in the hash <c>hash</c>, in order, asked 1,000 fields
    /// per HMGET (Lua's unpack has a limit); none when <c>wanted</c> is not '1'.
    /// </summary>
    private const string ValuesOf = """
        local function valuesOf(hash, members, wanted)
          local values = {}
          if wanted == '1' then
            for i = 1, #members, 1000 do
              local part = redis.call('HMGET', hash, unpack(members, i, math.min(i + 999, #members)))
              for j = 1, #part do values[#values + 1] = part[j] end
            end
          end
          return values
        end

        """;

    private const string OpenScript = ValuesOf + """
        local version = redis.call('GET', KEYS[3]) or '0'
        local count = redis.call('ZCARD', KEYS[1])
        if count <= tonumber(ARGV[1]) then
          local members = redis.call('ZRANGE', KEYS[1], 0, -1)
          return {version, count, members, valuesOf(KEYS[2], members, ARGV[2])}
        end
        local sm = ARGV[3] .. version .. ':members'
        local sv = ARGV[3] .. version .. ':values'
        if redis.call('EXISTS', sm) == 0 then
          redis.call('ZRANGESTORE', sm, KEYS[1], 0, -1)
          redis.call('DEL', sv)
          redis.call('COPY', KEYS[2], sv)
        end
        redis.call('EXPIRE', sm, ARGV[4])
        redis.call('EXPIRE', sv, ARGV[4])
        return {version, count}
        """;

    private const string PageScript = ValuesOf + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        local members
        if ARGV[3] == '1' then
          members = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'REV')
        else
          members = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
        end
        local values = valuesOf(KEYS[2], members, ARGV[4])
        if ARGV[5] == '1' then
          redis.call('EXPIRE', KEYS[1], ARGV[6])
          redis.call('EXPIRE', KEYS[2], ARGV[6])
        end
        return {members, values}
        """;

    /// <summary>
    /// Entries after a position in (score, member) order from the members and the tombstones, merged. KEYS: members,
    /// values, gone; ARGV: score, member ('' for "after every entry scored at most score"), limit, with values.
    /// The start in each set is the cursor member's rank when it still has the cursor's score, else found by score
    /// and a walk over the members of that same score (only when the cursor's entry changed meanwhile).
    /// </summary>
    private const string AddedScript = ValuesOf + """
        local s, m, limit = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
        -- Byte order, as the sorted set orders members (Lua's own string order follows the server's locale).
        local function after(a, b)
          for k = 1, math.min(#a, #b) do
            local x, y = string.byte(a, k), string.byte(b, k)
            if x ~= y then return x > y end
          end
          return #a > #b
        end
        local function startOf(key)
          if m == '' then return redis.call('ZCOUNT', key, '-inf', ARGV[1]) end
          local score = redis.call('ZSCORE', key, m)
          if score and tonumber(score) == s then return redis.call('ZRANK', key, m) + 1 end
          local start = redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[1])
          while true do
            local part = redis.call('ZRANGE', key, start, start + 99, 'WITHSCORES')
            if #part == 0 then return start end
            for i = 1, #part, 2 do
              if tonumber(part[i + 1]) ~= s or after(part[i], m) then return start end
              start = start + 1
            end
          end
        end
        local function page(key)
          local start = startOf(key)
          return redis.call('ZRANGE', key, start, start + limit, 'WITHSCORES')
        end
        local live, gone = page(KEYS[1]), page(KEYS[3])
        local members, scores, flags, present = {}, {}, {}, {}
        local i, j = 1, 1
        while #members <= limit and (i <= #live or j <= #gone) do
          local takeLive
          if i > #live then takeLive = false
          elseif j > #gone then takeLive = true
          else
            local a, b = tonumber(live[i + 1]), tonumber(gone[j + 1])
            takeLive = a < b or (a == b and after(gone[j], live[i]))
          end
          if takeLive then
            members[#members + 1] = live[i]; scores[#scores + 1] = live[i + 1]; flags[#flags + 1] = '0'
            present[#present + 1] = live[i]
            i = i + 2
          else
            members[#members + 1] = gone[j]; scores[#scores + 1] = gone[j + 1]; flags[#flags + 1] = '1'
            j = j + 2
          end
        end
        return {members, scores, flags, valuesOf(KEYS[2], present, ARGV[4])}
        """;

    public async Task<AddedFeedPage> ReadAddedAsync(string feed, FeedPosition after, int limit, bool withValues, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var score = double.IsNegativeInfinity(after.Score) ? "-inf" : after.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var parts = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            AddedScript,
            [RedisKeys.FeedMembers(graph, feed), RedisKeys.FeedValues(graph, feed), RedisKeys.FeedGone(graph, feed)],
            [score, after.Member ?? string.Empty, limit, withValues ? "1" : "0"]).ConfigureAwait(false))!;
        var members = (RedisValue[])parts[0]!;
        var scores = (RedisValue[])parts[1]!;
        var flags = (RedisValue[])parts[2]!;
        var values = (RedisValue[])parts[3]!;
        var entries = new List<AddedFeedEntry>(Math.Min(members.Length, limit));
        var v = 0;
        for (var i = 0; i < members.Length && i < limit; i++)
        {
            var withdrawn = flags[i] == "1";
            string? value = null;
            if (!withdrawn)
            {
                value = v < values.Length && !values[v].IsNull ? values[v].ToString() : null;
                v++;
            }

            entries.Add(new AddedFeedEntry(members[i]!, (double)scores[i], value, withdrawn));
        }

        return new AddedFeedPage(entries, members.Length > limit);
    }

    public async Task<long> GetVersionAsync(string feed, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(RedisKeys.FeedVersion(graph, feed)).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    public async Task<IFeedSnapshot> OpenSnapshotAsync(string feed, bool withValues, CancellationToken cancellationToken)
    {
        var prefix = RedisKeys.FeedSnapshotPrefix(graph, feed);
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            OpenScript,
            [RedisKeys.FeedMembers(graph, feed), RedisKeys.FeedValues(graph, feed), RedisKeys.FeedVersion(graph, feed)],
            [settings.AtomicReadLimit, withValues ? "1" : "0", prefix, settings.SnapshotTtlSeconds]).ConfigureAwait(false))!;
        var version = (long)result[0];
        var count = (long)result[1];
        if (result.Length == 2)
        {
            return new Snapshot(redis, $"{prefix}{version}:", version, count, withValues, settings.SnapshotTtlSeconds);
        }

        var members = (RedisValue[])result[2]!;
        var values = (RedisValue[])result[3]!;
        var entries = new FeedEntry[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            entries[i] = new FeedEntry(members[i]!, i < values.Length && !values[i].IsNull ? values[i].ToString() : null);
        }

        return new InMemorySnapshot(version, entries);
    }

    private sealed class Snapshot(IConnectionMultiplexer redis, string prefix, long version, long count, bool withValues, int ttlSeconds) : IFeedSnapshot
    {
        private readonly RedisKey[] _keys = [prefix + "members", prefix + "values"];
        private long _lastTouch = Environment.TickCount64;

        public long Version => version;

        public long Count => count;

        public async Task<IReadOnlyList<FeedEntry>> ReadAsync(long start, int count, bool descending, CancellationToken cancellationToken)
        {
            if (start >= Count || count <= 0)
            {
                return [];
            }

            var stop = Math.Min(start + count, Count) - 1;
            // Keep the snapshot alive while a slow client reads it (at most one EXPIRE pair a second).
            var touch = Environment.TickCount64 - _lastTouch > 1000;
            if (touch)
            {
                _lastTouch = Environment.TickCount64;
            }

            var result = await redis.GetDatabase().ScriptEvaluateAsync(
                PageScript, _keys, [start, stop, descending ? "1" : "0", withValues ? "1" : "0", touch ? "1" : "0", ttlSeconds]).ConfigureAwait(false);
            if (result.IsNull)
            {
                throw new FeedSnapshotLostException($"snapshot {prefix}* expired or was evicted while it was being read");
            }

            var parts = (RedisResult[])result!;
            var members = (RedisValue[])parts[0]!;
            var values = (RedisValue[])parts[1]!;
            if (members.Length != stop - start + 1)
            {
                throw new FeedSnapshotLostException($"snapshot {prefix}* returned {members.Length} entries where {stop - start + 1} were expected");
            }

            var entries = new FeedEntry[members.Length];
            for (var i = 0; i < members.Length; i++)
            {
                entries[i] = new FeedEntry(members[i]!, i < values.Length && !values[i].IsNull ? values[i].ToString() : null);
            }

            return entries;
        }
    }
}
