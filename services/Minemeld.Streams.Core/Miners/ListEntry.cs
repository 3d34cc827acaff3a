using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// What a list miner (MineMeld's <c>stdlib.list*Generic</c>) polls from an entry of its list: the entry's attributes
/// without the store's bookkeeping (<see cref="ExpiresAt"/>, <see cref="UpdatedAt"/>), the indicator type its class
/// forces, and <c>sources</c> = the node (MineMeld's YamlFT). A forced key keeps its place when the entry has it and
/// comes last otherwise (type, then sources), as assigning it onto the entry's tree does.
/// </summary>
public static class ListEntry
{
    /// <summary>When the entry expires (epoch ms), if ever.</summary>
    public const string ExpiresAt = "_expires_at";

    /// <summary>When the entry was last written (epoch ms), for MineMeld's localdb <c>_update_ts</c>.</summary>
    public const string UpdatedAt = "_updated_at";

    /// <summary>A localdb entry written without a ttl (it reads back with <c>_expiration_ts: null</c>).</summary>
    public const string ExpiresByDefault = "_expires_by_default";

    /// <summary>
    /// The poll item of a stored entry (<paramref name="stored"/>: its JSON as the list keeps it, not changed
    /// afterwards): its attributes written as bytes, or as a tree when a name is escaped or repeated.
    /// </summary>
    public static PollItem Item(string indicator, ReadOnlySpan<byte> stored, string? forcedType, string source) =>
        AttributesUtf8(stored, forcedType, source) is { } utf8
            ? new PollItem(indicator, IndicatorJson.OfUtf8(utf8))
            : new PollItem(indicator, Attributes(JsonObjectReader.ParseObject(stored) ?? [], forcedType, source));

    /// <summary>The attributes of an entry given as a tree (changed in place and returned).</summary>
    internal static JsonObject Attributes(JsonObject stored, string? forcedType, string source)
    {
        ArgumentNullException.ThrowIfNull(stored);
        stored.Remove(ExpiresAt);
        stored.Remove(UpdatedAt);
        stored.Remove(ExpiresByDefault);
        if (forcedType is not null)
        {
            stored[IndicatorValue.Type] = forcedType;
        }

        stored[IndicatorValue.Sources] = new JsonArray(source);
        return stored;
    }

    /// <summary>
    /// <see cref="Attributes"/> written from the stored bytes without a tree: the same keys in the same order, other
    /// values copied as they are stored. Null when the entry is not one object of plain, distinct names.
    /// </summary>
    internal static byte[]? AttributesUtf8(ReadOnlySpan<byte> stored, string? forcedType, string source)
    {
        Span<Utf8Property> properties = stackalloc Utf8Property[Utf8JsonObject.MaxCheckedNames];
        if (!Utf8JsonObject.TryReadProperties(stored, properties, out var count))
        {
            return null;
        }

        var writer = JsonText.Begin();
        writer.WriteStartObject();
        bool typed = false, sourced = false;
        foreach (var property in properties[..count])
        {
            var name = stored[property.Name];
            if (name.SequenceEqual("_expires_at"u8) || name.SequenceEqual("_updated_at"u8) || name.SequenceEqual("_expires_by_default"u8))
            {
                continue;
            }

            if (forcedType is not null && name.SequenceEqual("type"u8))
            {
                writer.WriteString(IndicatorValue.Type, forcedType);
                typed = true;
            }
            else if (name.SequenceEqual("sources"u8))
            {
                WriteSources(writer, source);
                sourced = true;
            }
            else
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(stored[property.Value], skipInputValidation: true);
            }
        }

        if (forcedType is not null && !typed)
        {
            writer.WriteString(IndicatorValue.Type, forcedType);
        }

        if (!sourced)
        {
            WriteSources(writer, source);
        }

        writer.WriteEndObject();
        return JsonText.End();
    }

    private static void WriteSources(System.Text.Json.Utf8JsonWriter writer, string source)
    {
        writer.WritePropertyName(IndicatorValue.Sources);
        writer.WriteStartArray();
        writer.WriteStringValue(source);
        writer.WriteEndArray();
    }
}
