using System.Text.Json.Nodes;
using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using Minemeld.Streams.Core.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's SimpleJSON (docs/minemeld-engine.md, "CSV and JSON feeds"): the JMESPath <c>extractor</c> (default
/// <c>@</c>) selects a list of objects; an item's <c>indicator</c> key (configurable) must be a string; attributes are
/// <c>&lt;prefix&gt;_&lt;field&gt;</c> for the configured fields present (all other keys when <c>fields</c> is null).
/// </summary>
public sealed class JsonFeedParser
{
    private readonly JmesPathExpression _extractor;
    private readonly string _indicatorKey;
    private readonly string _prefix;
    private readonly List<string>? _fields;
    private readonly JsonObject _defaults;

    public JsonFeedParser(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _extractor = new JmesPath().Parse(JsonNodeValues.TryGetString(config["extractor"], out var extractor) ? extractor : "@");
        _indicatorKey = JsonNodeValues.TryGetString(config["indicator"], out var key) ? key : "indicator";
        _prefix = JsonNodeValues.TryGetString(config["prefix"], out var prefix) ? prefix : "json";
        _fields = config.ContainsKey("fields") && config["fields"] is null ? null : config["fields"] is JsonArray fields ? [.. fields.Select(static f => f?.ToString() ?? string.Empty)] : [];
        _defaults = config["attributes"] as JsonObject ?? [];
    }

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        JToken document;
        try
        {
            using var json = new JsonTextReader(reader) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
            document = JToken.ReadFrom(json);
        }
        catch (JsonReaderException ex)
        {
            report.Fail(ex.LineNumber, $"not JSON: {ex.Message}");
            yield break;
        }

        JToken? selected;
        try
        {
            selected = _extractor.Transform(document).AsJToken();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            report.Fail(0, $"the extractor failed: {ex.Message}");
            yield break;
        }

        if (selected is not JArray items)
        {
            report.Fail(0, $"the extractor gave {selected?.Type.ToString() ?? "nothing"}, not a list");
            yield break;
        }

        var index = 0;
        foreach (var item in items)
        {
            index++;
            if (item is not JObject obj || obj[_indicatorKey] is not JValue { Type: JTokenType.String } indicatorToken)
            {
                report.Error(0, $"item {index} has no string '{_indicatorKey}'");
                continue;
            }

            var attributes = new JsonObject();
            string? unreadable = null;
            foreach (var property in obj.Properties())
            {
                if (property.Name != _indicatorKey && (_fields is null || _fields.Contains(property.Name)))
                {
                    // The lenient reader takes literals JSON has not (undefined, NaN): such an item is refused, not
                    // a poll failed.
                    var text = property.Value.ToString(Formatting.None);
                    try
                    {
                        attributes[$"{_prefix}_{property.Name}"] = JsonNode.Parse(text);
                    }
                    catch (System.Text.Json.JsonException)
                    {
                        unreadable = $"item {index}: '{property.Name}' is not JSON ({(text.Length > 40 ? text[..40] + "..." : text)})";
                        break;
                    }
                }
            }

            if (unreadable is not null)
            {
                report.Error(0, unreadable);
                continue;
            }

            if (IndicatorCheck.Normalize(indicatorToken.ToString(), attributes, _defaults, 0, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }
}
