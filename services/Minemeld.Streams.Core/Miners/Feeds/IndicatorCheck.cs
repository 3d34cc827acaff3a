using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>Design.md decision 5 at ingestion: validate and normalise an indicator for its type.</summary>
internal static class IndicatorCheck
{
    /// <summary>The normalised indicator, or null (counted as a parse error) when it is not valid for its type.</summary>
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

    public static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
