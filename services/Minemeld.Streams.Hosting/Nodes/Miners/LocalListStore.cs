using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// A local list (MineMeld's <c>stdlib.list*Generic</c>) in the state store: records of indicator → attributes, where an
/// optional <c>_expires_at</c> (epoch ms) gives the entry a lifetime. Every edit is validated for the list's
/// indicator type first (nothing is written when any entry is invalid), then published on the node's HUP
/// channel, so the miner re-reads the list at once.
/// </summary>
public sealed class LocalListStore(IStateStore store, string graph, string node, string? indicatorType)
{
    public const string ExpiresAt = Core.Miners.ListEntry.ExpiresAt;

    /// <summary>When the entry was last written (epoch ms), for MineMeld's localdb <c>_update_ts</c>.</summary>
    public const string UpdatedAt = Core.Miners.ListEntry.UpdatedAt;

    /// <summary>
    /// Marks a localdb entry written without a <c>ttl</c>: it expires after the node's <c>default_ttl</c>, and reads
    /// back with <c>_expiration_ts: null</c> as MineMeld's table had it.
    /// </summary>
    public const string ExpiresByDefault = Core.Miners.ListEntry.ExpiresByDefault;

    private static ReadOnlySpan<byte> ExpiresAtProperty => "\"_expires_at\""u8;

    private readonly IRecordStore _records = store.LocalList(graph, node);
    private readonly IRecordStore _stamps = store.ListStamps(graph);

    /// <summary>
    /// The live entries, without the store's bookkeeping keys (what the miner emits). The list is read in one go (one
    /// consistent read) and expired entries are deleted, but each entry's attributes are parsed only when the sequence
    /// reaches it: a miner diffing a million entries does not hold a million attribute trees for the whole poll.
    /// Enumerate it once (each enumeration parses again).
    /// </summary>
    public async Task<IEnumerable<(string Indicator, JsonObject Attributes)>> ReadAsync(long nowMs, CancellationToken cancellationToken) =>
        (await ReadStoredAsync(nowMs, cancellationToken).ConfigureAwait(false)).Select(static e => (e.Key, Parse(e.Value.Span).Attributes));

    /// <summary>
    /// The live entries with their expiry and last update. Expired entries are deleted on the way, each only if it
    /// is still the value read (an entry re-added meanwhile survives).
    /// </summary>
    public async Task<IReadOnlyList<LocalListEntry>> ReadEntriesAsync(long nowMs, CancellationToken cancellationToken) =>
    [
        .. (await ReadStoredAsync(nowMs, cancellationToken).ConfigureAwait(false)).Select(static e =>
        {
            var (attributes, expires, updated) = Parse(e.Value.Span);
            return new LocalListEntry(e.Key, attributes, expires, updated);
        }),
    ];

    /// <summary>
    /// The live entries as stored (indicator → UTF-8 JSON, bookkeeping keys included: see
    /// <see cref="Core.Miners.ListEntry"/>; read as bytes: a million entries make no million strings), read in one go;
    /// expired ones are deleted on the way if unchanged.
    /// </summary>
    public async Task<List<KeyValuePair<string, ReadOnlyMemory<byte>>>> ReadStoredAsync(long nowMs, CancellationToken cancellationToken)
    {
        var entries = await _records.GetAllAsync(cancellationToken).ConfigureAwait(false);
        var live = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>(entries.Count);
        var expired = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        foreach (var entry in entries)
        {
            // Most entries have no expiry: the key is looked for in the text before anything is parsed.
            var expires = entry.Value.Span.IndexOf(ExpiresAtProperty) >= 0 ? Parse(entry.Value.Span).Expires : null;
            if (expires <= nowMs)
            {
                expired.Add(entry);
            }
            else
            {
                live.Add(entry);
            }
        }

        if (expired.Count > 0)
        {
            await _records.DeleteIfUnchangedAsync(expired, cancellationToken).ConfigureAwait(false);
        }

        return live;
    }

    /// <summary>A stored entry's attributes without the bookkeeping keys, and those keys' values.</summary>
    private static (JsonObject Attributes, long? Expires, long? Updated) Parse(ReadOnlySpan<byte> json)
    {
        var attributes = JsonObjectReader.ParseObject(json) ?? [];
        long? expires = JsonNodeValues.TryGetInt64(attributes[ExpiresAt], out var e) ? e : null;
        long? updated = JsonNodeValues.TryGetInt64(attributes[UpdatedAt], out var u) ? u : null;
        attributes.Remove(ExpiresAt);
        attributes.Remove(UpdatedAt);
        return (attributes, expires, updated);
    }

    /// <summary>Adds or replaces entries; <paramref name="replaceAll"/> makes them the whole list.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<(string Indicator, JsonObject Attributes)> entries, bool replaceAll, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var normalized = Validate(entries);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var records = normalized.Select(e => KeyValuePair.Create(e.Indicator, Stamped(e.Attributes, now))).ToList();
        await (replaceAll ? _records.ReplaceAllAsync(records, cancellationToken) : _records.WriteAsync(records, [], cancellationToken)).ConfigureAwait(false);
        await HupAsync(cancellationToken).ConfigureAwait(false);
        return normalized.Count;
    }

    /// <summary>
    /// Removes the entries that exist and says which of <paramref name="indicators"/> (as given) matched none, so an
    /// operator learns of a typo instead of reading "removed: 0".
    /// </summary>
    public async Task<(long Removed, IReadOnlyList<string> NotFound)> RemoveReportingAsync(IReadOnlyList<string> indicators, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        var normalized = indicators.Select(i => indicatorType is null ? i : IndicatorNormalizer.Normalize(indicatorType, i).Normalized ?? i).ToList();
        var present = await _records.GetAsync(normalized, cancellationToken).ConfigureAwait(false);
        var notFound = new List<string>();
        var found = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < indicators.Count; i++)
        {
            if (present[i] is null)
            {
                notFound.Add(indicators[i]);
            }
            else
            {
                found.Add(normalized[i]);
            }
        }

        var removed = found.Count > 0 ? await _records.DeleteAsync(found, cancellationToken).ConfigureAwait(false) : 0;
        await HupAsync(cancellationToken).ConfigureAwait(false);
        return (removed, notFound);
    }

    public async Task<long> RemoveAsync(IReadOnlyList<string> indicators, CancellationToken cancellationToken) => (await RemoveReportingAsync(indicators, cancellationToken).ConfigureAwait(false)).Removed;

    /// <summary>
    /// Stamps the list as edited (read by its miner's owner, see <see cref="IStateStore.ListStamps"/>), then HUPs it.
    /// </summary>
    public async Task HupAsync(CancellationToken cancellationToken)
    {
        await _stamps.WriteAsync([RecordText.Entry(node, Guid.NewGuid().ToString("N"))], [], cancellationToken).ConfigureAwait(false);
        await store.Hup.PublishAsync(graph, node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The list's current edit stamp (null before its first edit).</summary>
    public async Task<string?> StampAsync(CancellationToken cancellationToken) =>
        RecordText.Of((await _stamps.GetAsync([node], cancellationToken).ConfigureAwait(false))[0]);

    private static ReadOnlyMemory<byte> Stamped(JsonObject attributes, long now)
    {
        attributes[UpdatedAt] = now;
        return JsonText.ToUtf8Bytes(attributes);
    }

    /// <summary>
    /// Why <paramref name="indicator"/> cannot go into this list (null when it can), and its normal form.
    /// </summary>
    public IndicatorParseResult Check(string indicator, JsonObject attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var type = indicatorType ?? (JsonNodeValues.TryGetString(attributes[IndicatorValue.Type], out var t) ? t : null);
        return IndicatorNormalizer.Normalize(type, indicator);
    }

    private List<(string Indicator, JsonObject Attributes)> Validate(IReadOnlyList<(string Indicator, JsonObject Attributes)> entries)
    {
        var errors = new InvalidListEntriesException.Collector(entries.Count);
        var result = new List<(string, JsonObject)>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var (indicator, attributes) = entries[i];
            var check = Check(indicator, attributes);
            if (!check.IsValid)
            {
                errors.Add(i, indicator, check.Error!);
                continue;
            }

            result.Add((check.Normalized!, attributes));
        }

        errors.ThrowIfAny();
        return result;
    }
}
