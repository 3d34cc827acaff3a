using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Hosting.Redis;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A local list (MineMeld's <c>stdlib.list*Generic</c>) kept in Redis: a hash of indicator → attributes, where an
/// optional <c>_expires_at</c> (epoch ms) gives the entry a lifetime. Every edit is validated for the list's
/// indicator type first (nothing is written when any entry is invalid), then published on the node's HUP
/// channel, so the miner re-reads the list at once.
/// </summary>
public sealed class LocalListStore(IConnectionMultiplexer redis, string graph, string node, string? indicatorType)
{
    public const string ExpiresAt = "_expires_at";

    /// <summary>When the entry was last written (epoch ms), for MineMeld's localdb <c>_update_ts</c>.</summary>
    public const string UpdatedAt = "_updated_at";

    private const string DeleteIfUnchanged = """
        for i = 1, #ARGV, 2 do
          if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
        end
        return 0
        """;

    private readonly RedisKey _key = RedisKeys.LocalList(graph, node);

    /// <summary>The channel a miner listens on for "poll now".</summary>
    public static RedisChannel HupChannel(string graph, string node) => RedisChannel.Literal($"mm:{graph}:{node}:hup");

    /// <summary>The live entries, without the store's bookkeeping keys (what the miner emits).</summary>
    public async Task<IReadOnlyList<(string Indicator, JsonObject Attributes)>> ReadAsync(long nowMs) =>
        [.. (await ReadEntriesAsync(nowMs).ConfigureAwait(false)).Select(static e => (e.Indicator, e.Attributes))];

    /// <summary>
    /// The live entries with their expiry and last update. Expired entries are deleted on the way, each only if it
    /// is still the value read (an entry re-added meanwhile survives).
    /// </summary>
    public async Task<IReadOnlyList<LocalListEntry>> ReadEntriesAsync(long nowMs)
    {
        var db = redis.GetDatabase();
        var entries = await db.HashGetAllAsync(_key).ConfigureAwait(false);
        var live = new List<LocalListEntry>(entries.Length);
        var expired = new List<RedisValue>();
        foreach (var entry in entries)
        {
            var attributes = JsonNode.Parse(entry.Value.ToString()) as JsonObject ?? [];
            long? expires = JsonNodeValues.TryGetInt64(attributes[ExpiresAt], out var e) ? e : null;
            long? updated = JsonNodeValues.TryGetInt64(attributes[UpdatedAt], out var u) ? u : null;
            if (expires <= nowMs)
            {
                expired.Add(entry.Name);
                expired.Add(entry.Value);
                continue;
            }

            attributes.Remove(ExpiresAt);
            attributes.Remove(UpdatedAt);
            live.Add(new LocalListEntry(entry.Name.ToString(), attributes, expires, updated));
        }

        if (expired.Count > 0)
        {
            await db.ScriptEvaluateAsync(DeleteIfUnchanged, [_key], [.. expired]).ConfigureAwait(false);
        }

        return live;
    }

    /// <summary>Adds or replaces entries; <paramref name="replaceAll"/> makes them the whole list.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<(string Indicator, JsonObject Attributes)> entries, bool replaceAll)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var normalized = Validate(entries);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var db = redis.GetDatabase();
        var transaction = db.CreateTransaction();
        if (replaceAll)
        {
            _ = transaction.KeyDeleteAsync(_key);
        }

        // Large replaces go in slices so that one HSET never carries millions of fields.
        foreach (var slice in normalized.Chunk(10_000))
        {
            _ = transaction.HashSetAsync(_key, [.. slice.Select(e => new HashEntry(e.Indicator, Stamped(e.Attributes, now)))]);
        }

        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the edit of list {node} was not applied");
        }

        await HupAsync().ConfigureAwait(false);
        return normalized.Count;
    }

    public async Task<long> RemoveAsync(IReadOnlyList<string> indicators)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        var normalized = indicators.Select(i => indicatorType is null ? i : IndicatorNormalizer.Normalize(indicatorType, i).Normalized ?? i).Select(static i => (RedisValue)i).ToArray();
        var removed = await redis.GetDatabase().HashDeleteAsync(_key, normalized).ConfigureAwait(false);
        await HupAsync().ConfigureAwait(false);
        return removed;
    }

    public Task HupAsync() => redis.GetSubscriber().PublishAsync(HupChannel(graph, node), "hup");

    private static string Stamped(JsonObject attributes, long now)
    {
        attributes[UpdatedAt] = now;
        return attributes.ToJsonString();
    }

    private List<(string Indicator, JsonObject Attributes)> Validate(IReadOnlyList<(string Indicator, JsonObject Attributes)> entries)
    {
        var errors = new List<string>();
        var result = new List<(string, JsonObject)>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var (indicator, attributes) = entries[i];
            var type = indicatorType ?? (JsonNodeValues.TryGetString(attributes[IndicatorValue.Type], out var t) ? t : null);
            var check = IndicatorNormalizer.Normalize(type, indicator);
            if (!check.IsValid)
            {
                if (errors.Count < 20)
                {
                    errors.Add($"entry {i} ('{indicator}'): {check.Error}");
                }

                continue;
            }

            result.Add((check.Normalized!, attributes));
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"{entries.Count - result.Count} invalid entries, nothing written: {string.Join("; ", errors)}");
        }

        return result;
    }
}
