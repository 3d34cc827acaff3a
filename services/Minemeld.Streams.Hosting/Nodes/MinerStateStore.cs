using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A miner's table and run times in the state store, one JSON row per indicator. Only rows that changed since the
/// last save are written; the table's version lets a replica that takes over the poll lease see that another one
/// wrote in between and reload.
/// </summary>
public sealed class MinerStateStore(IMinerTableStore table)
{
    private Dictionary<string, string> _saved = new(StringComparer.Ordinal);

    /// <summary>The version this instance last read or wrote.</summary>
    public long Version { get; private set; } = -1;

    public Task<long> ReadVersionAsync() => table.ReadVersionAsync();

    public async Task LoadAsync(Poller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var saved = await table.LoadAsync().ConfigureAwait(false);
        var rows = new List<MinerRow>(saved.Rows.Count);
        _saved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, json) in saved.Rows)
        {
            if (JsonObjectReader.ParseObject(json) is { } obj && obj["v"] is JsonObject value && JsonNodeValues.TryGetString(obj["i"], out var indicator))
            {
                // The value is taken out of the parsed row (no copy: the reader's nodes stand on their own).
                obj.Remove("v");
                rows.Add(new MinerRow
                {
                    Indicator = indicator,
                    Value = value,
                    LastRun = JsonNodeValues.TryGetInt64(obj["lr"], out var lr) ? lr : 0,
                    AgeOut = JsonNodeValues.TryGetInt64(obj["ao"], out var ao) ? ao : 0,
                    Withdrawn = JsonNodeValues.TryGetInt64(obj["w"], out var w) ? w : null,
                });
                _saved[key] = json;
            }
        }

        poller.Restore(rows, saved.LastRun, saved.LastSuccessfulRun);
        Version = saved.Version;
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

        var changed = current.Where(p => !_saved.TryGetValue(p.Key, out var old) || old != p.Value).ToList();
        var deleted = _saved.Keys.Where(k => !current.ContainsKey(k)).ToList();
        Version = await table.SaveAsync(changed, deleted, poller.LastRun, poller.LastSuccessfulRun).ConfigureAwait(false);
        _saved = current;
    }
}
