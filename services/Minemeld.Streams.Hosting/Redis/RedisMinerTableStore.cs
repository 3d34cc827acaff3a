using System.Globalization;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// A miner's table in Redis: <c>rows</c> hash (bucket → JSON array of rows), <c>runs</c> hash (last_run,
/// last_successful_run, version, an incremental source's cursor) and <c>journal</c> list (what was published since the
/// last save).
/// </summary>
public sealed class RedisMinerTableStore(IConnectionMultiplexer redis, string graph, string node) : IMinerTableStore
{
    private readonly RedisKey _rows = RedisKeys.MinerRows(graph, node);
    private readonly RedisKey _runs = RedisKeys.MinerRuns(graph, node);
    private readonly RedisKey _journal = RedisKeys.MinerJournal(graph, node);

    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken) =>
        (long?)await redis.GetDatabase().HashGetAsync(_runs, "version").WaitAsync(cancellationToken).ConfigureAwait(false) ?? 0;

    public async Task<MinerTable> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // One MULTI, so rows, run times and journal belong to the same save.
        var transaction = redis.GetDatabase().CreateTransaction();
        var rowsTask = transaction.HashGetAllAsync(_rows);
        var runsTask = transaction.HashGetAllAsync(_runs);
        var journalTask = transaction.ListRangeAsync(_journal);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        var rows = (await rowsTask.ConfigureAwait(false)).ToDictionary(static e => e.Name.ToString(), static e => (byte[])e.Value!, StringComparer.Ordinal);
        var runs = (await runsTask.ConfigureAwait(false)).ToDictionary(static e => e.Name.ToString(), static e => e.Value);
        var journal = (await journalTask.ConfigureAwait(false)).Select(static e => (byte[])e!).ToList();
        var cursor = runs.TryGetValue("cursor", out var saved) ? saved.ToString() : null;
        return new MinerTable(rows, Long(runs, "last_run"), Long(runs, "last_successful_run"), Long(runs, "version") ?? 0, journal, cursor);
    }

    public Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            return Task.CompletedTask;
        }

        var entries = new HashEntry[fields.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new HashEntry(fields[i].Key, fields[i].Value);
        }

        return redis.GetDatabase().HashSetAsync(_rows, entries);
    }

    public async Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun, string? cursor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(deleted);
        var db = redis.GetDatabase();
        foreach (var slice in deleted.Chunk(RedisRecordStore.Slice))
        {
            await db.HashDeleteAsync(_rows, [.. slice.Select(static k => (RedisValue)k)]).ConfigureAwait(false);
        }

        // Run times and the version in one MULTI once every field is written: a replica that loads meanwhile sees
        // the old version and reloads after.
        var transaction = db.CreateTransaction();
        var runs = new List<HashEntry>(3);
        if (lastRun is { } run)
        {
            runs.Add(new HashEntry("last_run", run));
        }

        if (lastSuccessfulRun is { } success)
        {
            runs.Add(new HashEntry("last_successful_run", success));
        }

        if (cursor is not null)
        {
            runs.Add(new HashEntry("cursor", cursor));
        }

        if (runs.Count > 0)
        {
            _ = transaction.HashSetAsync(_runs, [.. runs]);
        }

        _ = transaction.KeyDeleteAsync(_journal);
        var version = transaction.HashIncrementAsync(_runs, "version");
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the state of miner {node} was not saved");
        }

        return await version.ConfigureAwait(false);
    }

    public Task JournalAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return redis.GetDatabase().ListRightPushAsync(_journal, entry);
    }

    private static long? Long(Dictionary<string, RedisValue> values, string name) =>
        values.TryGetValue(name, out var value) && long.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
