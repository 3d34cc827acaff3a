using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.FeedServer.Feeds.Formats;

namespace Minemeld.Streams.FeedServer.Stix;

/// <summary>
/// A feed's entries as STIX 2.1 <c>indicator</c> objects: a STIX pattern per indicator type (an IPv4 or IPv6 range as
/// the OR of one observation per CIDR, the form every client parses), a deterministic id (UUIDv5 of the feed and the
/// indicator, so a client that polls again updates the object instead of adding one), <c>valid_from</c> and
/// <c>created</c> from <c>first_seen</c>, <c>modified</c> from the last change, <c>confidence</c> and labels (the
/// sources) from the attributes, and <c>created_by_ref</c> the producer's <c>identity</c>. A withdrawn indicator is the
/// same id with <c>revoked: true</c>.
/// </summary>
public static class StixIndicators
{
    /// <summary>
    /// The UUIDv5 namespace of every id this server makes (fixed forever: ids must not change between releases).
    /// </summary>
    public static readonly Guid Namespace = new("5d2b1c1e-8f0a-4a57-9b62-6a3f0f5c2e71");

    public const string MediaType = "application/stix+json;version=2.1";

    /// <summary>The producer's identity object id.</summary>
    public static string IdentityId { get; } = "identity--" + UuidV5(Namespace, "minemeld-streams").ToString();

    public static string Id(string feed, string indicator) => "indicator--" + UuidV5(Namespace, $"{feed}\n{indicator}").ToString();

    /// <summary>STIX's timestamp form: UTC, millisecond precision, <c>Z</c>.</summary>
    public static string Timestamp(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a STIX/TAXII timestamp (RFC 3339, any fraction) to epoch ms; false when it is not one.</summary>
    public static bool TryParseTimestamp(string? text, out long epochMs)
    {
        epochMs = 0;
        if (text is null || !text.EndsWith('Z') ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        epochMs = parsed.ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>
    /// The indicator's type: the stored value's <c>type</c>, else what the text is (feeds that keep no values).
    /// </summary>
    public static string? TypeOf(string indicator, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            return type.GetString();
        }

        if (IPRangeParser.TryParse(indicator, out var range, out _))
        {
            return range.Family == AddressFamilyKind.IPv4 ? IndicatorTypes.IPv4 : IndicatorTypes.IPv6;
        }

        if (indicator.Contains('/', StringComparison.Ordinal))
        {
            return IndicatorTypes.Url;
        }

        if (indicator.Length is 32 or 40 or 64 or 128 && indicator.All(char.IsAsciiHexDigit))
        {
            return indicator.Length switch { 32 => IndicatorTypes.Md5, 40 => IndicatorTypes.Sha1, 64 => IndicatorTypes.Sha256, _ => IndicatorTypes.Sha512 };
        }

        if (indicator.Contains('@', StringComparison.Ordinal))
        {
            return IndicatorTypes.EmailAddress;
        }

        return indicator.Contains('.', StringComparison.Ordinal) && !indicator.Any(char.IsWhiteSpace) ? IndicatorTypes.Domain : null;
    }

    /// <summary>
    /// The STIX pattern of an indicator of <paramref name="type"/>; null for a type STIX patterns do not cover here.
    /// </summary>
    public static string? Pattern(string indicator, string? type)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        switch (type)
        {
            case IndicatorTypes.IPv4 or IndicatorTypes.IPv6:
                var object_ = type == IndicatorTypes.IPv4 ? "ipv4-addr" : "ipv6-addr";
                var cidrs = new List<string>();
                RangeTranslation.Translate(indicator, cidrs);
                return string.Join(" OR ", cidrs.Select(c => $"[{object_}:value = {Quote(c)}]"));
            case IndicatorTypes.Domain:
                return $"[domain-name:value = {Quote(indicator)}]";
            case IndicatorTypes.Url:
                return $"[url:value = {Quote(indicator)}]";
            case IndicatorTypes.EmailAddress:
                return $"[email-addr:value = {Quote(indicator)}]";
            case IndicatorTypes.Md5:
                return $"[file:hashes.MD5 = {Quote(indicator.ToLowerInvariant())}]";
            case IndicatorTypes.Sha1:
                return $"[file:hashes.'SHA-1' = {Quote(indicator.ToLowerInvariant())}]";
            case IndicatorTypes.Sha256:
                return $"[file:hashes.'SHA-256' = {Quote(indicator.ToLowerInvariant())}]";
            case IndicatorTypes.Sha512:
                return $"[file:hashes.'SHA-512' = {Quote(indicator.ToLowerInvariant())}]";
            default:
                return null;
        }
    }

    /// <summary>The producer's <c>identity</c> object.</summary>
    public static void WriteIdentity(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("type", "identity");
        writer.WriteString("spec_version", "2.1");
        writer.WriteString("id", IdentityId);
        writer.WriteString("created", IdentityCreated);
        writer.WriteString("modified", IdentityCreated);
        writer.WriteString("name", "Minemeld.Streams");
        writer.WriteString("identity_class", "system");
        writer.WriteEndObject();
    }

    public const string IdentityCreated = "2026-01-01T00:00:00.000Z";

    /// <summary>
    /// Writes one indicator object; false (nothing written) when its type has no STIX pattern here.
    /// <paramref name="modifiedMs"/> is the entry's last change (its score); <paramref name="revoked"/> marks a
    /// withdrawn one.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, string feed, string indicator, string? valueJson, long modifiedMs, bool revoked)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using var document = valueJson is null ? null : JsonDocument.Parse(valueJson);
        var value = document?.RootElement ?? default;
        if (Pattern(indicator, TypeOf(indicator, value)) is not { } pattern)
        {
            return false;
        }

        var firstSeen = Epoch(value, "first_seen") is { } seen && seen <= modifiedMs ? seen : modifiedMs;
        writer.WriteStartObject();
        writer.WriteString("type", "indicator");
        writer.WriteString("spec_version", "2.1");
        writer.WriteString("id", Id(feed, indicator));
        writer.WriteString("created_by_ref", IdentityId);
        writer.WriteString("created", Timestamp(firstSeen));
        writer.WriteString("modified", Timestamp(modifiedMs));
        writer.WriteString("name", indicator);
        writer.WriteString("pattern", pattern);
        writer.WriteString("pattern_type", "stix");
        writer.WriteString("valid_from", Timestamp(firstSeen));
        if (revoked)
        {
            writer.WriteBoolean("revoked", true);
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (value.TryGetProperty("confidence", out var confidence) && confidence.TryGetInt32(out var c))
            {
                writer.WriteNumber("confidence", Math.Clamp(c, 0, 100));
            }

            if (value.TryGetProperty("sources", out var sources) && sources.ValueKind == JsonValueKind.Array && sources.GetArrayLength() > 0)
            {
                writer.WriteStartArray("labels");
                foreach (var source in sources.EnumerateArray().Where(static s => s.ValueKind == JsonValueKind.String))
                {
                    writer.WriteStringValue(source.GetString());
                }

                writer.WriteEndArray();
            }

            if (value.TryGetProperty("comment", out var comment) && comment.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("description", comment.GetString());
            }

            if (value.TryGetProperty("share_level", out var share) && share.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("x_minemeld_share_level", share.GetString());
            }
        }

        writer.WriteString("x_minemeld_feed", feed);
        writer.WriteEndObject();
        return true;
    }

    /// <summary>RFC 4122 §4.3 name-based UUID, SHA-1 (version 5).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "UUIDv5 is defined on SHA-1 (RFC 4122 §4.3); it names objects, it protects nothing")]
    public static Guid UuidV5(Guid space, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> input = stackalloc byte[16];
        space.TryWriteBytes(input, bigEndian: true, out _);
        var bytes = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        input.CopyTo(bytes);
        Encoding.UTF8.GetBytes(name, bytes.AsSpan(16));
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(bytes, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>
    /// A stored value's <c>last_seen</c> (epoch ms): the entry's last change; null without a value or the attribute.
    /// </summary>
    public static long? LastSeen(string? valueJson)
    {
        if (valueJson is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(valueJson);
        return Epoch(document.RootElement, "last_seen");
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static long? Epoch(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var property) && property.TryGetInt64(out var ms) ? ms : null;
}
