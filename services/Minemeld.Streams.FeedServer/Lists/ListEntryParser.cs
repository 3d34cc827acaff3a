using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.FeedServer.Lists;

/// <summary>
/// Turns list-edit bodies into store entries: MineMeld's YAML-list JSON (<c>[{"indicator": …, …}]</c>), its localdb
/// append (JSON object or array with <c>type</c> and <c>ttl</c>, or the blank-line separated text form), and the
/// JSON API's entries (<c>ttl</c> seconds or <c>expires_at</c> epoch ms). Errors name the entry.
/// </summary>
public static class ListEntryParser
{
    /// <summary>
    /// The longest lifetime an entry may be given, in years: far inside what epoch milliseconds hold.
    /// </summary>
    public const int MaxTtlYears = 10;

    /// <summary><see cref="MaxTtlYears"/> in seconds (years of 365 days).</summary>
    public const long MaxTtlSeconds = MaxTtlYears * 365L * 24 * 3600;

    /// <summary>One parsed entry; <see cref="Remove"/> is a localdb <c>ttl: 0</c> (expire now).</summary>
    public readonly record struct Entry(string Indicator, JsonObject Attributes, bool Remove);

    /// <summary>YAML-list entries: objects with <c>indicator</c>; every other key is an attribute.</summary>
    public static List<Entry> YamlEntries(JsonArray items, LocalList list) => Entries(items, list, requireType: false, nowMs: 0, TtlMode.None);

    /// <summary>
    /// localdb append JSON (one object or a list): each entry needs <c>indicator</c> and <c>type</c>; <c>ttl</c> as
    /// MineMeld read it.
    /// </summary>
    public static List<Entry> LocalDbEntries(JsonNode body, LocalList list, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Entries(body as JsonArray ?? [body], list, requireType: true, nowMs, TtlMode.LocalDb);
    }

    /// <summary>
    /// The JSON API's entries: <c>indicator</c>, optional <c>ttl</c> (seconds) or <c>expires_at</c> (epoch ms).
    /// </summary>
    public static List<Entry> ApiEntries(JsonArray items, LocalList list, long nowMs) => Entries(items, list, requireType: false, nowMs, TtlMode.Api);

    /// <summary>
    /// localdb's text form: blocks separated by blank lines; line 1 the type, line 2 the indicator, then name/value
    /// line pairs; <c>#</c> lines skipped; <c>confidence</c> must be digits; <c>ttl</c> digits or anything else for
    /// "never".
    /// </summary>
    public static List<Entry> LocalDbText(string text, LocalList list, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<Entry>();
        var errors = new InvalidListEntriesException.Collector(0);
        var blocks = 0;
        var block = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Append(string.Empty))
        {
            if (raw.StartsWith('#'))
            {
                continue;
            }

            if (raw.Trim().Length > 0)
            {
                block.Add(raw.Trim());
                continue;
            }

            if (block.Count >= 2)
            {
                var item = new JsonObject { ["type"] = block[0], ["indicator"] = block[1] };
                for (var i = 2; i + 1 < block.Count; i += 2)
                {
                    var (name, value) = (block[i], block[i + 1]);
                    if (name == "confidence")
                    {
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var confidence))
                        {
                            throw new FormatException($"entry {blocks}: confidence must be digits");
                        }

                        item[name] = confidence;
                    }
                    else if (name == "ttl")
                    {
                        item[name] = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) ? ttl : "disabled";
                    }
                    else
                    {
                        item[name] = value;
                    }
                }

                if (Checked(item, blocks, list, requireType: true, nowMs, TtlMode.LocalDb, errors) is { } entry)
                {
                    entries.Add(entry);
                }

                blocks++;
            }

            block.Clear();
        }

        errors.ThrowIfAny();
        return entries.Count > 0 ? entries : throw new FormatException("No valid record in request");
    }

    private enum TtlMode
    {
        None,
        LocalDb,
        Api,
    }

    /// <summary>
    /// Parses a request's items. They are detached from the parsed body first, so each is edited in place (no copy
    /// of a million objects); the body is the caller's and is not used afterwards.
    /// </summary>
    private static List<Entry> Entries(JsonArray items, LocalList list, bool requireType, long nowMs, TtlMode ttlMode)
    {
        ArgumentNullException.ThrowIfNull(items);
        var nodes = items.ToArray();
        items.Clear();
        var entries = new List<Entry>(nodes.Length);
        var errors = new InvalidListEntriesException.Collector(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            if (Checked(nodes[i], i, list, requireType, nowMs, ttlMode, errors) is { } entry)
            {
                entries.Add(entry);
            }
        }

        errors.ThrowIfAny();
        return entries;
    }

    /// <summary>
    /// One entry, or null with its problem added to <paramref name="errors"/>: the request's shape, lifetimes, the
    /// over-broad guard and the indicator's syntax for the list's type are all checked here, so one report names every
    /// refused entry of an upload.
    /// </summary>
    private static Entry? Checked(JsonNode? node, int index, LocalList list, bool requireType, long nowMs, TtlMode ttlMode, InvalidListEntriesException.Collector errors)
    {
        Entry entry;
        try
        {
            entry = Item(node, index, list, requireType, nowMs, ttlMode);
        }
        catch (FormatException ex)
        {
            errors.Add(index, null, ex.Message);
            return null;
        }

        if (!entry.Remove && list.Store.Check(entry.Indicator, entry.Attributes) is { IsValid: false } check)
        {
            errors.Add(index, entry.Indicator, check.Error!);
            return null;
        }

        return entry;
    }

    /// <summary>One entry; <paramref name="node"/> has no parent and becomes the entry's attributes.</summary>
    private static Entry Item(JsonNode? node, int index, LocalList list, bool requireType, long nowMs, TtlMode ttlMode)
    {
        if (node is not JsonObject item)
        {
            throw new FormatException($"not a JSON object");
        }

        if (item["indicator"] is not { } indicatorNode)
        {
            throw new FormatException($"indicator field is missing");
        }

        if (indicatorNode.GetValueKind() != JsonValueKind.String || indicatorNode.GetValue<string>() is not { Length: > 0 } indicator)
        {
            throw new FormatException($"indicator must be a non-empty string, not {indicatorNode.ToJsonString()}");
        }

        item.Remove("indicator");
        if (requireType && item["type"] is null)
        {
            throw new FormatException($"type field is missing");
        }

        if (list.ForcedType is not null)
        {
            item.Remove("type"); // a typed list sets the type itself
        }

        if (item.Any(static p => p.Key.StartsWith('_')))
        {
            foreach (var key in item.Select(static p => p.Key).Where(static k => k.StartsWith('_')).ToList())
            {
                item.Remove(key); // bookkeeping keys are the store's
            }
        }

        var remove = false;
        long? expires = null;
        switch (ttlMode)
        {
            case TtlMode.LocalDb:
                var ttl = item["ttl"];
                item.Remove("ttl");
                if (ttl is null)
                {
                    expires = list.DefaultTtlSeconds is { } seconds ? nowMs + (seconds * 1000) : null;
                    item[LocalListStore.ExpiresByDefault] = true;
                }
                else if (ttl.GetValueKind() == JsonValueKind.Number && ttl.AsValue().TryGetValue<long>(out var ttlSeconds))
                {
                    // MineMeld's localdb: a ttl of 0 or less expires the entry now.
                    remove = ttlSeconds <= 0;
                    expires = remove ? nowMs : nowMs + (CheckedTtl(ttlSeconds) * 1000);
                }

                break; // any other ttl value ("disabled", even "3600") means never, as in MineMeld
            case TtlMode.Api:
                if (item["ttl"] is { } apiTtl)
                {
                    expires = apiTtl.GetValueKind() == JsonValueKind.Number && apiTtl.AsValue().TryGetValue<long>(out var s)
                        ? nowMs + (CheckedTtl(s) * 1000)
                        : throw new FormatException($"ttl must be a whole number of seconds, not {apiTtl.ToJsonString()}");
                    item.Remove("ttl");
                }

                if (item["expires_at"] is { } at)
                {
                    if (at.GetValueKind() != JsonValueKind.Number || !at.AsValue().TryGetValue<long>(out var ms))
                    {
                        throw new FormatException($"expires_at must be epoch milliseconds, not {at.ToJsonString()}");
                    }

                    // An entry that expires at once would be acknowledged and then be gone: refused instead.
                    if (ms <= nowMs || ms - nowMs > MaxTtlSeconds * 1000)
                    {
                        throw new FormatException($"expires_at {ms} is out of range: after now ({nowMs}) and at most {MaxTtlYears} years ahead");
                    }

                    expires = ms;
                    item.Remove("expires_at");
                }

                break;
        }

        // The over-broad guard (a removal of what got in before it existed still goes through).
        var type = list.ForcedType ?? (JsonNodeValues.TryGetString(item["type"], out var given) ? given : null);
        if (!remove && list.Node.Guard.Refuses(type, indicator, out var tooBroad))
        {
            throw new FormatException($"{tooBroad}");
        }

        if (expires is { } value)
        {
            item[LocalListStore.ExpiresAt] = value;
        }

        return new Entry(indicator, item, remove);
    }

    /// <summary>
    /// A ttl in seconds within the range an entry may live, or the error that names the entry and the range.
    /// </summary>
    private static long CheckedTtl(long seconds) =>
        seconds is <= 0 or > MaxTtlSeconds
            ? throw new FormatException($"ttl {seconds} is out of range: 1 to {MaxTtlSeconds} seconds ({MaxTtlYears} years)")
            : seconds;
}
