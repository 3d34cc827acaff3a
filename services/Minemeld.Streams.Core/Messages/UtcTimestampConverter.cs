using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// Writes instants as RFC 3339 UTC with a <c>Z</c> and at most millisecond precision; reads any RFC 3339.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFF'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    /// <summary>
    /// Any RFC 3339 text as UTC (no offset means UTC); anything else throws <see cref="JsonException"/>.
    /// </summary>
    internal static DateTimeOffset Parse(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new JsonException($"'{text}' is not an RFC 3339 timestamp");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<char> text = stackalloc char[32];
        if (!value.UtcDateTime.TryFormat(text, out var length, Format, CultureInfo.InvariantCulture))
        {
            throw new FormatException($"cannot format {value:O}");
        }

        writer.WriteStringValue(text[..length]);
    }
}
