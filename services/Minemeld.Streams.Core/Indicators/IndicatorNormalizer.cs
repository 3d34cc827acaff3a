using System.Buffers;
using System.Globalization;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// Strict validation and normalisation of indicators by type (docs/minemeld-compatibility.md, difference 5): an
/// indicator that is not valid for its type is refused with a reason; a CIDR with host bits set is normalised with a
/// warning.
/// <list type="bullet">
/// <item>IPv4/IPv6: address, CIDR or <c>a-b</c> range; addresses canonical (IPv6 per RFC 5952).</item>
/// <item>domain: lower case, trailing dot dropped, labels of letters, digits, <c>-</c> and <c>_</c>, an optional
/// leading <c>*.</c> wildcard.</item>
/// <item>URL: no blanks or control characters, at most <see cref="MaxUrlLength"/> characters, a plausible host.</item>
/// <item>hashes: the right number of hex digits, lower-cased; ssdeep <c>blocksize:hash:hash</c>.</item>
/// </list>
/// </summary>
public static class IndicatorNormalizer
{
    public const int MaxUrlLength = 2048;
    public const int MaxDomainLength = 253;
    public const int MaxTextLength = 4096;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> LabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly SearchValues<char> NotInEmail = SearchValues.Create(" \t\r\n<>,;");
    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    public static IndicatorParseResult Normalize(string? type, string? indicator)
    {
        if (string.IsNullOrWhiteSpace(indicator))
        {
            return IndicatorParseResult.Invalid("indicator is empty");
        }

        var text = indicator.Trim();
        return type switch
        {
            IndicatorTypes.IPv4 => IpRange(text, AddressFamilyKind.IPv4),
            IndicatorTypes.IPv6 => IpRange(text, AddressFamilyKind.IPv6),
            IndicatorTypes.Domain => Domain(text),
            IndicatorTypes.Url => Url(text),
            IndicatorTypes.Md5 => Hash(text, 32, type),
            IndicatorTypes.Sha1 => Hash(text, 40, type),
            IndicatorTypes.Sha256 => Hash(text, 64, type),
            IndicatorTypes.Sha512 => Hash(text, 128, type),
            IndicatorTypes.Ssdeep => Ssdeep(text),
            IndicatorTypes.EmailAddress => Email(text),
            IndicatorTypes.AutonomousSystem => AutonomousSystem(text),
            null => IndicatorParseResult.Invalid("indicator has no type"),
            _ when IndicatorTypes.IsKnown(type) => FreeText(text),
            _ => IndicatorParseResult.Invalid($"unknown indicator type '{type}'"),
        };
    }

    private static IndicatorParseResult IpRange(string text, AddressFamilyKind family)
    {
        if (!IPRangeParser.TryParse(text, out var parsed, out var error))
        {
            return IndicatorParseResult.Invalid($"not an {family} address, CIDR or range ({error})");
        }

        if (parsed.Family != family)
        {
            return IndicatorParseResult.Invalid($"an {parsed.Family} indicator in an {family} feed");
        }

        return family == AddressFamilyKind.IPv4
            ? Render<uint, IPv4Family>(parsed.V4, parsed, text)
            : Render<UInt128, IPv6Family>(parsed.V6, parsed, text);
    }

    private static IndicatorParseResult Render<T, TFamily>(IPRange<T> range, ParsedRange parsed, string original)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        Span<char> buffer = stackalloc char[100];
        TFamily.TryFormat(range.Start, buffer, out var length);
        if (parsed.IsSingleAddress && !parsed.IsCidr && buffer[..length].SequenceEqual(original))
        {
            return IndicatorParseResult.Valid(original); // already canonical: no copy of it
        }

        var start = new string(buffer[..length]);
        if (parsed.IsCidr)
        {
            var prefix = TFamily.Bits - int.CreateTruncating(T.PopCount(range.End - range.Start));
            var normalized = parsed.IsSingleAddress ? start : $"{start}/{prefix.ToString(CultureInfo.InvariantCulture)}";
            return IndicatorParseResult.Valid(normalized, parsed.HostBitsFixed ? $"host bits of '{original}' cleared: {normalized}" : null);
        }

        if (parsed.IsSingleAddress)
        {
            return IndicatorParseResult.Valid(start);
        }

        buffer[length] = '-';
        TFamily.TryFormat(range.End, buffer[(length + 1)..], out var endLength);
        var text = buffer[..(length + 1 + endLength)];
        return IndicatorParseResult.Valid(text.SequenceEqual(original) ? original : new string(text));
    }

    private static IndicatorParseResult Domain(string text)
    {
        var domain = text.ToLowerInvariant().TrimEnd('.');
        if (domain.Length == 0 || domain.Length > MaxDomainLength)
        {
            return IndicatorParseResult.Invalid($"a domain has 1 to {MaxDomainLength} characters");
        }

        var labels = domain.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (i == 0 && label == "*" && labels.Length > 1)
            {
                continue;
            }

            if (label.Length is 0 or > 63 || label.AsSpan().ContainsAnyExcept(LabelChars) || label[0] == '-' || label[^1] == '-')
            {
                return IndicatorParseResult.Invalid($"'{label}' is not a valid domain label");
            }
        }

        return IndicatorParseResult.Valid(domain);
    }

    private static IndicatorParseResult Url(string text)
    {
        if (text.Length > MaxUrlLength)
        {
            return IndicatorParseResult.Invalid($"a URL has at most {MaxUrlLength} characters");
        }

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return IndicatorParseResult.Invalid("a URL may not contain blanks or control characters");
            }
        }

        var rest = text.AsSpan();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            rest = rest[(scheme + 3)..];
        }

        var hostEnd = rest.IndexOfAny("/?#");
        var host = hostEnd < 0 ? rest : rest[..hostEnd];
        var at = host.LastIndexOf('@');
        if (at >= 0)
        {
            host = host[(at + 1)..];
        }

        if (host.IsEmpty || host[0] == '.' || host[0] == ':')
        {
            return IndicatorParseResult.Invalid("a URL needs a host");
        }

        return IndicatorParseResult.Valid(text);
    }

    private static IndicatorParseResult Hash(string text, int digits, string type)
    {
        if (text.Length != digits || text.AsSpan().ContainsAnyExcept(HexDigits))
        {
            return IndicatorParseResult.Invalid($"an {type} hash is {digits} hex digits");
        }

        return IndicatorParseResult.Valid(text.ToLowerInvariant());
    }

    private static IndicatorParseResult Ssdeep(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _) ||
            parts[1].Length == 0 || parts[1].AsSpan().ContainsAnyExcept(Base64Chars) || parts[2].AsSpan().ContainsAnyExcept(Base64Chars))
        {
            return IndicatorParseResult.Invalid("an ssdeep hash is blocksize:hash:hash");
        }

        return IndicatorParseResult.Valid(text);
    }

    private static IndicatorParseResult Email(string text)
    {
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.AsSpan().ContainsAny(NotInEmail))
        {
            return IndicatorParseResult.Invalid("not an e-mail address");
        }

        var domain = Domain(text[(at + 1)..]);
        return domain.IsValid ? IndicatorParseResult.Valid($"{text[..at]}@{domain.Normalized}") : IndicatorParseResult.Invalid($"not an e-mail address: {domain.Error}");
    }

    private static IndicatorParseResult AutonomousSystem(string text)
    {
        var digits = text.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? IndicatorParseResult.Valid($"AS{number.ToString(CultureInfo.InvariantCulture)}")
            : IndicatorParseResult.Invalid("an autonomous system is AS followed by its number");
    }

    private static IndicatorParseResult FreeText(string text) =>
        text.Length > MaxTextLength || text.AsSpan().ContainsAny('\r', '\n', '\0')
            ? IndicatorParseResult.Invalid($"at most {MaxTextLength} characters on one line")
            : IndicatorParseResult.Valid(text);
}
