using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// IPv6 as 128-bit unsigned integers; text form is RFC 5952 (lower case, longest zero run compressed).
/// </summary>
public sealed class IPv6Family : IAddressFamily<UInt128>
{
    /// <summary>Longest text form (an IPv4-mapped address with every group spelled out).</summary>
    public const int MaxTextLength = 45;

    public static int Bits => 128;

    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = UInt128.Zero;
        // IPAddress.TryParse also accepts IPv4 shorthand ("1") and scope ids ("fe80::1%eth0"): neither is an
        // IPv6 indicator, so demand a colon and refuse a scope.
        if (text.IndexOf(':') < 0 || text.IndexOfAny('%', '/') >= 0 || text.IndexOfAny(' ', '\t') >= 0)
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    public static bool TryFormat(UInt128 address, Span<char> destination, out int written)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).TryFormat(destination, out written);
    }

    public static string Format(UInt128 address)
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(address, buffer, out var written);
        return new string(buffer[..written]);
    }
}
