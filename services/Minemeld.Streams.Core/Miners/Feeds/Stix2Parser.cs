using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// The indicators of STIX 2.0/2.1 objects, as MineMeld's TAXII 2 client read them: every <c>indicator</c> object with
/// <c>pattern_type</c> stix (or none, STIX 2.0) gives one item per equality (or <c>IN</c> list member) of its pattern
/// on an object type MineMeld maps: <c>ipv4-addr:value</c>, <c>ipv6-addr:value</c>, <c>domain-name:value</c>,
/// <c>url:value</c>, <c>file:hashes.MD5</c>, <c>'SHA-1'</c>, <c>'SHA-256'</c>. Each carries the indicator's
/// <c>confidence</c> (when it has one), <c>description</c> (its own, else the descriptions of the relationships from
/// it), <c>techniques</c> (the names of the attack patterns it indicates), and <c>stix2_indicator</c> (its id). A
/// revoked indicator, or one whose <c>valid_until</c> has passed, gives nothing.
/// </summary>
public static partial class Stix2Parser
{
    private static readonly Dictionary<string, string> ValueTypes = new(StringComparer.Ordinal)
    {
        ["ipv4-addr"] = IndicatorTypes.IPv4,
        ["ipv6-addr"] = IndicatorTypes.IPv6,
        ["domain-name"] = IndicatorTypes.Domain,
        ["domain"] = IndicatorTypes.Domain,
        ["url"] = IndicatorTypes.Url,
    };

    private static readonly Dictionary<string, string> HashTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MD5"] = IndicatorTypes.Md5,
        ["SHA-1"] = IndicatorTypes.Sha1,
        ["SHA1"] = IndicatorTypes.Sha1,
        ["SHA-256"] = IndicatorTypes.Sha256,
        ["SHA256"] = IndicatorTypes.Sha256,
    };

    // An object path, an operator and a string literal or a parenthesised list of them.
    [GeneratedRegex(@"(?<type>[a-z0-9][a-z0-9-]*):(?<path>[A-Za-z0-9_.\-']+(?:\[\*\])?(?:\.[A-Za-z0-9_\-']+)*)\s*(?<op>NOT\s+=|NOT\s+IN|=|!=|IN\b|LIKE\b|MATCHES\b|ISSUBSET\b|ISSUPERSET\b|<=|>=|<|>)\s*(?<value>'(?:[^'\\]|\\.)*'|\((?:\s*'(?:[^'\\]|\\.)*'\s*,?)*\))", RegexOptions.CultureInvariant)]
    private static partial Regex Comparison();

    [GeneratedRegex(@"'((?:[^'\\]|\\.)*)'", RegexOptions.CultureInvariant)]
    private static partial Regex Literal();

    /// <summary>What a STIX pattern asserts equal: (engine type, value) pairs of the object types mapped.</summary>
    public static IEnumerable<(string Type, string Value)> Observables(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        foreach (Match match in Comparison().Matches(pattern))
        {
            var op = match.Groups["op"].Value;
            if (op is not ("=" or "IN"))
            {
                continue; // MineMeld took every comparison; an inequality or a regex is no indicator
            }

            var objectType = match.Groups["type"].Value;
            var path = match.Groups["path"].Value;
            string? type = null;
            if (path == "value" && ValueTypes.TryGetValue(objectType, out var valueType))
            {
                type = valueType;
            }
            else if (objectType is "file" or "artifact" && path.StartsWith("hashes.", StringComparison.Ordinal) && HashTypes.TryGetValue(path["hashes.".Length..].Trim('\''), out var hashType))
            {
                type = hashType;
            }

            if (type is null)
            {
                continue;
            }

            foreach (Match literal in Literal().Matches(match.Groups["value"].Value))
            {
                yield return (type, Unescape(literal.Groups[1].Value));
            }
        }
    }

    /// <summary>
    /// The items of a set of STIX objects (indicators, and the relationships and attack patterns around them).
    /// </summary>
    public static IEnumerable<FeedItem> Items(IReadOnlyList<JsonObject> objects, JsonObject defaults, DateTimeOffset now, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(report);
        var byId = objects.Where(static o => o["id"] is not null).GroupBy(static o => o["id"]!.ToString()).ToDictionary(static g => g.Key, static g => g.Last(), StringComparer.Ordinal);
        var relationships = objects.Where(static o => Text(o, "type") == "relationship").ToLookup(static o => Text(o, "source_ref") ?? string.Empty, StringComparer.Ordinal);
        foreach (var indicator in objects.Where(static o => Text(o, "type") == "indicator"))
        {
            var id = Text(indicator, "id") ?? "(no id)";
            if (JsonNodeValues.TryGetBoolean(indicator["revoked"], out var revoked) && revoked)
            {
                continue;
            }

            if (Text(indicator, "valid_until") is { } until && DateTimeOffset.TryParse(until, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expires) && expires < now)
            {
                continue;
            }

            if (Text(indicator, "pattern_type") is { } patternType && patternType != "stix")
            {
                report.Warning(0, $"{id}: a {patternType} pattern is not read (only stix)");
                continue;
            }

            if (Text(indicator, "pattern") is not { } pattern)
            {
                report.Error(0, $"{id}: an indicator without pattern");
                continue;
            }

            var common = new JsonObject { ["stix2_indicator"] = id };
            if (indicator["confidence"] is JsonValue confidence && JsonNodeValues.TryGetInt64(confidence, out var c))
            {
                common["confidence"] = c;
            }

            var related = relationships[id].ToList();
            var description = Text(indicator, "description")
                ?? (related.Select(static r => Text(r, "description")?.Trim()).Where(static d => !string.IsNullOrEmpty(d)).ToList() is { Count: > 0 } descriptions ? string.Join(", ", descriptions) : null);
            if (description is not null)
            {
                common["description"] = description;
            }

            var techniques = related.Select(r => Text(r, "target_ref") is { } target && byId.TryGetValue(target, out var o) && Text(o, "type") == "attack-pattern" ? Text(o, "name")?.Trim() : null)
                .Where(static n => !string.IsNullOrEmpty(n)).ToList();
            if (techniques.Count > 0)
            {
                common["techniques"] = string.Join(", ", techniques);
            }

            var found = false;
            foreach (var (type, value) in Observables(pattern))
            {
                found = true;
                var attributes = (JsonObject)common.DeepClone();
                attributes[IndicatorValue.Type] = type;
                if (IndicatorCheck.Normalize(value, attributes, defaults, 0, report) is { } normalized)
                {
                    report.Item();
                    yield return new FeedItem(normalized, attributes);
                }
            }

            if (!found)
            {
                report.Warning(0, $"{id}: no address, domain, URL or hash equality in its pattern");
            }
        }
    }

    private static string? Text(JsonObject o, string key) => JsonNodeValues.TryGetString(o[key], out var s) ? s : null;

    private static string Unescape(string literal)
    {
        if (!literal.Contains('\\', StringComparison.Ordinal))
        {
            return literal;
        }

        var text = new StringBuilder(literal.Length);
        for (var i = 0; i < literal.Length; i++)
        {
            text.Append(literal[i] == '\\' && i + 1 < literal.Length ? literal[++i] : literal[i]);
        }

        return text.ToString();
    }
}
