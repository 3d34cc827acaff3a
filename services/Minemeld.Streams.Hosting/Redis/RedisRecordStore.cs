using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>Records as one Redis hash (field = key, value = the UTF-8 bytes); multi-command writes run in a MULTI/EXEC.</summary>
public sealed class RedisRecordStore(IConnectionMultiplexer redis, RedisKey key) : IRecordStore
{
    /// <summary>Large writes go in slices so that one HSET never carries millions of fields.</summary>
    internal const int Slice = 10_000;

    private const string DeleteIfUnchangedScript = """
        local n = 0
        for i = 1, #ARGV, 2 do
          if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
        end
        return n
        """;

    public async Task<IReadOnlyList<byte[]?>> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        var values = await redis.GetDatabase().HashGetAsync(key, [.. keys.Select(static k => (RedisValue)k)]).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. values.Select(static v => (byte[]?)v)];
    }

    public async Task<IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>>> GetAllAsync(CancellationToken cancellationToken) =>
        [.. (await redis.GetDatabase().HashGetAllAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false)).Select(static e => KeyValuePair.Create(e.Name.ToString(), (ReadOnlyMemory<byte>)(byte[])e.Value!))];

    public Task WriteAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(deletes);
        return ExecuteAsync(replace: false, Entries(sets), deletes);
    }

    public Task ReplaceAllAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(records);
        return ExecuteAsync(replace: true, Entries(records), []);
    }

    public Task<long> DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Count == 0 ? Task.FromResult(0L) : redis.GetDatabase().HashDeleteAsync(key, [.. keys.Select(static k => (RedisValue)k)]);
    }

    public async Task<long> DeleteIfUnchangedAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> expected, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Count == 0)
        {
            return 0;
        }

        var args = expected.SelectMany(static e => new RedisValue[] { e.Key, e.Value }).ToArray();
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(DeleteIfUnchangedScript, [key], args).ConfigureAwait(false);
    }

    private static HashEntry[] Entries(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> records) =>
        [.. records.Select(static e => new HashEntry(e.Key, e.Value))];

    private async Task ExecuteAsync(bool replace, HashEntry[] sets, IReadOnlyCollection<string> deletes)
    {
        var db = redis.GetDatabase();
        // Slices only when there is more than one (Chunk copies even a single one).
        List<HashEntry[]> slices = sets.Length == 0 ? [] : sets.Length <= Slice ? [sets] : [.. sets.Chunk(Slice)];
        if (!replace && slices.Count == 0 && deletes.Count == 0)
        {
            return;
        }

        // One command is atomic on its own: no MULTI needed.
        if (!replace && slices.Count == 1 && deletes.Count == 0)
        {
            await db.HashSetAsync(key, slices[0]).ConfigureAwait(false);
            return;
        }

        if (!replace && slices.Count == 0)
        {
            await db.HashDeleteAsync(key, [.. deletes.Select(static k => (RedisValue)k)]).ConfigureAwait(false);
            return;
        }

        var transaction = db.CreateTransaction();
        if (replace)
        {
            _ = transaction.KeyDeleteAsync(key);
        }

        foreach (var slice in slices)
        {
            _ = transaction.HashSetAsync(key, slice);
        }

        if (deletes.Count > 0)
        {
            _ = transaction.HashDeleteAsync(key, [.. deletes.Select(static k => (RedisValue)k)]);
        }

        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the write to {key} was not applied");
        }
    }
}
