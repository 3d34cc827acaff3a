using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A local list (MineMeld's <c>stdlib.list*Generic</c>) in the state store: records of indicator → attributes, where an
/// optional <c>_expires_at</c> (epoch ms) gives the entry a lifetime. Every edit is validated for the list's
/// indicator type first (nothing is written when any entry is invalid), then published on the node's HUP
/// channel, so the miner re-reads the list at once.
/// </summary>
public sealed class LocalListStore(IStateStore store, string graph, string node, string? indicatorType)
{
    public const string ExpiresAt = "_expires_at";

    /// <summary>When the entry was last written (epoch ms), for MineMeld's localdb <c>_update_ts</c>.</summary>
    public const string UpdatedAt = "_updated_at";

    private readonly IRecordStore _records = store.LocalList(graph, node);

    /// <summary>The live entries, without the store's bookkeeping keys (what the miner emits).</summary>
    public async Task<IReadOnlyList<(string Indicator, JsonObject Attributes)>> ReadAsync(long nowMs) =>
        [.. (await ReadEntriesAsync(nowMs).ConfigureAwait(false)).Select(static e => (e.Indicator, e.Attributes))];

    /// <summary>
    /// The live entries with their expiry and last update. Expired entries are deleted on the way, each only if it
    /// is still the value read (an entry re-added meanwhile survives).
    /// </summary>
    public async Task<IReadOnlyList<LocalListEntry>> ReadEntriesAsync(long nowMs)
    {
        var entries = await _records.GetAllAsync().ConfigureAwait(false);
        var live = new List<LocalListEntry>(entries.Count);
        var expired = new List<KeyValuePair<string, string>>();
        foreach (var entry in entries)
        {
            var attributes = JsonObjectReader.ParseObject(entry.Value) ?? [];
            long? expires = JsonNodeValues.TryGetInt64(attributes[ExpiresAt], out var e) ? e : null;
            long? updated = JsonNodeValues.TryGetInt64(attributes[UpdatedAt], out var u) ? u : null;
            if (expires <= nowMs)
            {
                expired.Add(entry);
                continue;
            }

            attributes.Remove(ExpiresAt);
            attributes.Remove(UpdatedAt);
            live.Add(new LocalListEntry(entry.Key, attributes, expires, updated));
        }

        if (expired.Count > 0)
        {
            await _records.DeleteIfUnchangedAsync(expired).ConfigureAwait(false);
        }

        return live;
    }

    /// <summary>Adds or replaces entries; <paramref name="replaceAll"/> makes them the whole list.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<(string Indicator, JsonObject Attributes)> entries, bool replaceAll)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var normalized = Validate(entries);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var records = normalized.Select(e => KeyValuePair.Create(e.Indicator, Stamped(e.Attributes, now))).ToList();
        await (replaceAll ? _records.ReplaceAllAsync(records) : _records.WriteAsync(records, [])).ConfigureAwait(false);
        await HupAsync().ConfigureAwait(false);
        return normalized.Count;
    }

    public async Task<long> RemoveAsync(IReadOnlyList<string> indicators)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        var normalized = indicators.Select(i => indicatorType is null ? i : IndicatorNormalizer.Normalize(indicatorType, i).Normalized ?? i).ToList();
        var removed = await _records.DeleteAsync(normalized).ConfigureAwait(false);
        await HupAsync().ConfigureAwait(false);
        return removed;
    }

    public Task HupAsync() => store.Hup.PublishAsync(graph, node);

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
