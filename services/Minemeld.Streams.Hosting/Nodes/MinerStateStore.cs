using System.Globalization;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.Redis;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A miner's table and run times in Redis (<c>rows</c> hash: key → JSON row; <c>runs</c> hash: last_run,
/// last_successful_run, version). Only rows that changed since the last save are written; <c>version</c> lets a
/// replica that takes over the poll lease see that another one wrote in between and reload.
/// </summary>
public sealed class MinerStateStore(IConnectionMultiplexer redis, string graph, string node)
{
    private readonly RedisKey _rows = RedisKeys.MinerRows(graph, node);
    private readonly RedisKey _runs = RedisKeys.MinerRuns(graph, node);
    private Dictionary<string, string> _saved = new(StringComparer.Ordinal);

    /// <summary>The version this instance last read or wrote.</summary>
    public long Version { get; private set; } = -1;

    public async Task<long> ReadVersionAsync() =>
        (long?)await redis.GetDatabase().HashGetAsync(_runs, "version").ConfigureAwait(false) ?? 0;

    public async Task LoadAsync(Poller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var db = redis.GetDatabase();
        var entries = await db.HashGetAllAsync(_rows).ConfigureAwait(false);
        var runs = (await db.HashGetAllAsync(_runs).ConfigureAwait(false)).ToDictionary(static e => e.Name.ToString(), static e => e.Value);
        var rows = new List<MinerRow>(entries.Length);
        _saved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var json = entry.Value.ToString();
            if (JsonNode.Parse(json) is JsonObject obj && obj["v"] is JsonObject value && JsonNodeValues.TryGetString(obj["i"], out var indicator))
            {
                rows.Add(new MinerRow
                {
                    Indicator = indicator,
                    Value = (JsonObject)value.DeepClone(),
                    LastRun = JsonNodeValues.TryGetInt64(obj["lr"], out var lr) ? lr : 0,
                    AgeOut = JsonNodeValues.TryGetInt64(obj["ao"], out var ao) ? ao : 0,
                    Withdrawn = JsonNodeValues.TryGetInt64(obj["w"], out var w) ? w : null,
                });
                _saved[entry.Name.ToString()] = json;
            }
        }

        poller.Restore(rows, Long(runs, "last_run"), Long(runs, "last_successful_run"));
        Version = Long(runs, "version") ?? 0;
    }

    public async Task SaveAsync(Poller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using var writer = new System.Text.Json.Utf8JsonWriter(buffer);
        foreach (var row in poller.Rows)
        {
            var key = poller.Settings.MultipleIndicatorTypes ? $"{row.Type}::{row.Indicator}" : row.Indicator;
            // Written straight from the row: no intermediate DOM or copy of the value.
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("i", row.Indicator);
            writer.WritePropertyName("v");
            row.Value.WriteTo(writer);
            writer.WriteNumber("lr", row.LastRun);
            writer.WriteNumber("ao", row.AgeOut);
            if (row.Withdrawn is { } w)
            {
                writer.WriteNumber("w", w);
            }

            writer.WriteEndObject();
            writer.Flush();
            current[key] = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        var changed = current.Where(p => !_saved.TryGetValue(p.Key, out var old) || old != p.Value).Select(static p => new HashEntry(p.Key, p.Value)).ToArray();
        var deleted = _saved.Keys.Where(k => !current.ContainsKey(k)).Select(static k => (RedisValue)k).ToArray();
        var transaction = redis.GetDatabase().CreateTransaction();
        if (changed.Length > 0)
        {
            _ = transaction.HashSetAsync(_rows, changed);
        }

        if (deleted.Length > 0)
        {
            _ = transaction.HashDeleteAsync(_rows, deleted);
        }

        var runs = new List<HashEntry>();
        if (poller.LastRun is { } lastRun)
        {
            runs.Add(new HashEntry("last_run", lastRun));
        }

        if (poller.LastSuccessfulRun is { } lastSuccess)
        {
            runs.Add(new HashEntry("last_successful_run", lastSuccess));
        }

        if (runs.Count > 0)
        {
            _ = transaction.HashSetAsync(_runs, [.. runs]);
        }

        var version = transaction.HashIncrementAsync(_runs, "version");
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException($"the state of miner {node} was not saved");
        }

        Version = await version.ConfigureAwait(false);
        _saved = current;
    }

    private static long? Long(Dictionary<string, RedisValue> values, string name) =>
        values.TryGetValue(name, out var value) && long.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
