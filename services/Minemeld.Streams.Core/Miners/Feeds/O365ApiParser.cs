using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's <c>O365API</c>: the endpoint sets of Microsoft's Office 365 IP address and URL web service
/// (<c>/endpoints/{instance}</c>), a JSON array of objects with <c>urls</c> and <c>ips</c>. Every URL and network of a
/// set is an indicator (URL, IPv4 or IPv6) carrying the set's <c>serviceArea</c>, <c>category</c>, <c>required</c>,
/// <c>expressRoute</c>, <c>tcpPorts</c>, <c>udpPorts</c> and <c>notes</c> as <c>o365_…</c> attributes. With
/// <c>disable_integrations</c>, a set whose notes mention an integration is left out. An indicator listed by several
/// sets is one, with the attributes of the last.
/// </summary>
public sealed class O365ApiParser(JsonObject config, Func<bool>? disableIntegrations = null)
{
    private static readonly string[] SetAttributes = ["expressRoute", "notes", "serviceArea", "tcpPorts", "udpPorts", "category", "required"];

    private readonly JsonObject _defaults = config["attributes"] as JsonObject ?? [];

    private readonly Func<bool> _disableIntegrations = disableIntegrations
        ?? (() => config["disable_integrations"] is JsonValue flag && flag.TryGetValue<bool>(out var disabled) && disabled);

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        if (!IndicatorCheck.TryReadJson(reader, report, out var document))
        {
            return [];
        }

        if (document is not JsonArray sets)
        {
            report.Fail(0, "the endpoints service answered something other than a list of endpoint sets");
            return [];
        }

        var skipIntegrations = _disableIntegrations();
        var items = new Dictionary<string, FeedItem>(StringComparer.Ordinal);
        var index = 0;
        foreach (var set in sets)
        {
            index++;
            if (set is not JsonObject endpoint)
            {
                report.Error(0, $"endpoint set {index} is not an object");
                continue;
            }

            var attributes = new JsonObject();
            foreach (var name in SetAttributes)
            {
                if (endpoint[name] is { } value)
                {
                    attributes[$"o365_{name}"] = value.DeepClone();
                }
            }

            if (skipIntegrations && JsonNodeValues.TryGetString(endpoint["notes"], out var notes) && notes.Contains("integration", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var url in Strings(endpoint["urls"], index, "urls", report))
            {
                Add(items, url, IndicatorTypes.Url, attributes, report);
            }

            foreach (var ip in Strings(endpoint["ips"], index, "ips", report))
            {
                if (!IndicatorCheck.TryIpType(ip, out var type))
                {
                    report.Error(0, $"endpoint set {index}: '{IndicatorCheck.Truncate(ip)}' is not an IP address or network");
                    continue;
                }

                Add(items, ip, type, attributes, report);
            }
        }

        return items.Values;
    }

    private void Add(Dictionary<string, FeedItem> items, string indicator, string type, JsonObject setAttributes, FeedParseReport report)
    {
        var attributes = (JsonObject)setAttributes.DeepClone();
        attributes[IndicatorValue.Type] = type;
        if (IndicatorCheck.Normalize(indicator, attributes, _defaults, 0, report) is { } normalized)
        {
            if (items.Remove(normalized))
            {
                report.Warning(0, $"'{IndicatorCheck.Truncate(normalized)}' is in several endpoint sets: the last one's attributes are kept");
            }
            else
            {
                report.Item();
            }

            items[normalized] = new FeedItem(normalized, attributes);
        }
    }

    private static IEnumerable<string> Strings(JsonNode? list, int set, string name, FeedParseReport report)
    {
        if (list is null)
        {
            yield break;
        }

        if (list is not JsonArray array)
        {
            report.Error(0, $"endpoint set {set}: '{name}' is not a list");
            yield break;
        }

        foreach (var entry in array)
        {
            if (JsonNodeValues.TryGetString(entry, out var text) && text.Length > 0)
            {
                yield return text;
            }
            else
            {
                report.Error(0, $"endpoint set {set}: an entry of '{name}' is not a string");
            }
        }
    }
}
