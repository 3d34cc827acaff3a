using System.Text.Json;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// Reads attributes out of a stored value's JSON text; a value that is not a JSON object reads as empty.
/// </summary>
public static class StoredValue
{
    public static JsonDocument? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public static bool TryGet(JsonDocument? value, string attribute, out JsonElement element)
    {
        element = default;
        return value is not null && value.RootElement.TryGetProperty(attribute, out element) && element.ValueKind != JsonValueKind.Null;
    }

    /// <summary>
    /// Whether json/csv/mwg translate this entry's range: only <c>A-B</c> entries whose value has type IPv4 or that
    /// have no value at all (so IPv6 ranges stay as they are), as MineMeld did.
    /// </summary>
    public static bool IsTranslatable(FeedEntry entry, JsonDocument? value)
    {
        if (!entry.Indicator.Contains('-', StringComparison.Ordinal))
        {
            return false;
        }

        if (entry.Value is null)
        {
            return true;
        }

        return TryGet(value, "type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "IPv4";
    }
}
