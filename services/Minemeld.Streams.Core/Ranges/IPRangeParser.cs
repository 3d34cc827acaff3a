using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// Strict parser for <c>address</c>, <c>address/prefix</c> and <c>start-end</c> in IPv4 or IPv6. CIDRs are
/// normalised to their network (<c>10.1.1.5/24</c> is <c>10.1.1.0/24</c>, flagged in
/// <see cref="ParsedRange.HostBitsFixed"/>); a range whose start is above its end is refused.
/// </summary>
public static class IPRangeParser
{
    public static bool TryParse(ReadOnlySpan<char> text, out ParsedRange result, out string? error)
    {
        result = default;
        text = text.Trim();
        if (text.IsEmpty)
        {
            error = "empty";
            return false;
        }

        var isV6 = text.IndexOf(':') >= 0;
        if (isV6)
        {
            if (!TryParse<UInt128, IPv6Family>(text, out var range, out var fixedBits, out var single, out var cidr, out error))
            {
                return false;
            }

            result = new ParsedRange(AddressFamilyKind.IPv6, default, range, fixedBits, single, cidr);
            return true;
        }

        if (!TryParse<uint, IPv4Family>(text, out var v4, out var fixedV4, out var singleV4, out var cidrV4, out error))
        {
            return false;
        }

        result = new ParsedRange(AddressFamilyKind.IPv4, v4, default, fixedV4, singleV4, cidrV4);
        return true;
    }

    /// <summary>Family-specific parse; <paramref name="error"/> says what was wrong.</summary>
    public static bool TryParse<T, TFamily>(
        ReadOnlySpan<char> text,
        out IPRange<T> range,
        out bool hostBitsFixed,
        out bool isSingle,
        out bool isCidr,
        out string? error)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        range = default;
        hostBitsFixed = false;
        isSingle = false;
        isCidr = false;
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            var left = text[..dash].Trim();
            var right = text[(dash + 1)..].Trim();
            if (!TFamily.TryParse(left, out var start) || !TFamily.TryParse(right, out var end))
            {
                error = "not a valid address range";
                return false;
            }

            if (start > end)
            {
                error = "range start is above its end";
                return false;
            }

            range = new IPRange<T>(start, end);
            error = null;
            return true;
        }

        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            if (!TFamily.TryParse(text[..slash], out var address))
            {
                error = "not a valid network address";
                return false;
            }

            var prefixText = text[(slash + 1)..];
            if (prefixText.IsEmpty || prefixText.Length > 3 || (prefixText.Length > 1 && prefixText[0] == '0') ||
                !int.TryParse(prefixText, System.Globalization.NumberStyles.None, null, out var prefix) ||
                prefix > TFamily.Bits)
            {
                error = $"prefix length must be 0..{TFamily.Bits}";
                return false;
            }

            range = Cidr.ToRange<T, TFamily>(new CidrBlock<T>(address, prefix));
            hostBitsFixed = range.Start != address;
            isCidr = true;
            isSingle = prefix == TFamily.Bits;
            error = null;
            return true;
        }

        if (!TFamily.TryParse(text, out var single))
        {
            error = "not a valid address";
            return false;
        }

        range = new IPRange<T>(single, single);
        isSingle = true;
        error = null;
        return true;
    }
}
