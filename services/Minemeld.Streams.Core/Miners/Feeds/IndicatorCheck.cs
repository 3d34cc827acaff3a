using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// Validates and normalises an indicator for its type at ingestion: an invalid one is refused with a reason, a CIDR
/// with host bits set normalised (docs/minemeld-compatibility.md, "Differences from MineMeld", 5).
/// </summary>
public static class IndicatorCheck
{
    /// <summary>
    /// The normalised indicator, or null (counted as a parse error) when it is not valid for its type.
    /// </summary>
    public static string? Normalize(string indicator, JsonObject attributes, JsonObject defaults, int line, FeedParseReport report)
    {
        var typeNode = attributes[IndicatorValue.Type] ?? defaults[IndicatorValue.Type];
        if (!JsonNodeValues.TryGetString(typeNode, out var type))
        {
            return indicator; // no declared type: nothing to check against
        }

        var result = IndicatorNormalizer.Normalize(type, indicator);
        if (!result.IsValid)
        {
            report.Error(line, $"'{Truncate(indicator)}' is not a valid {type}: {result.Error}");
            return null;
        }

        if (result.Warning is not null)
        {
            report.Warning(line, result.Warning);
        }

        return result.Normalized;
    }

    /// <summary>
    /// Reads a whole JSON document; one that is not JSON fails the poll (<see cref="FeedParseReport.Fail"/>) with the
    /// line the reader stopped at.
    /// </summary>
    public static bool TryReadJson(TextReader reader, FeedParseReport report, out JsonNode? document)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        try
        {
            document = JsonNode.Parse(reader.ReadToEnd(), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 64 });
            return true;
        }
        catch (System.Text.Json.JsonException ex)
        {
            report.Fail((int)(ex.LineNumber ?? 0) + 1, $"not JSON: {ex.Message}");
            document = null;
            return false;
        }
    }

    /// <summary>
    /// The indicator type of an address or CIDR written by a source that does not say (IPv4 or IPv6), read with the
    /// engine's own range parser; false for anything else (a range included).
    /// </summary>
    public static bool TryIpType(string text, out string type)
    {
        var ok = Ranges.IPRangeParser.TryParse(text, out var parsed, out _) && (parsed.IsSingleAddress || parsed.IsCidr);
        type = !ok ? string.Empty : parsed.Family == Ranges.AddressFamilyKind.IPv6 ? IndicatorTypes.IPv6 : IndicatorTypes.IPv4;
        return ok;
    }

    public static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
