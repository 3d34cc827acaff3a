namespace Minemeld.Streams.Core.Ranges;

/// <summary>IPv4 as 32-bit unsigned integers; strict dotted quads (no leading zeros, no shorthand).</summary>
public sealed class IPv4Family : IAddressFamily<uint>
{
    /// <summary>Longest text form: <c>255.255.255.255</c>.</summary>
    public const int MaxTextLength = 15;

    public static int Bits => 32;

    public static bool TryParse(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var octets = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var value = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                value = (value * 10) + (text[i] - '0');
                i++;
                if (i - start > 3)
                {
                    return false;
                }
            }

            var digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | (uint)value;
            octets++;
            if (octets == 4)
            {
                return i == text.Length;
            }

            if (i >= text.Length || text[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    public static bool TryFormat(uint address, Span<char> destination, out int written)
    {
        written = 0;
        if (destination.Length < MaxTextLength)
        {
            return false;
        }

        for (var shift = 24; shift >= 0; shift -= 8)
        {
            var octet = (int)((address >> shift) & 0xFF);
            if (octet >= 100)
            {
                destination[written++] = (char)('0' + (octet / 100));
                destination[written++] = (char)('0' + (octet / 10 % 10));
            }
            else if (octet >= 10)
            {
                destination[written++] = (char)('0' + (octet / 10));
            }

            destination[written++] = (char)('0' + (octet % 10));
            if (shift != 0)
            {
                destination[written++] = '.';
            }
        }

        return true;
    }

    public static string Format(uint address)
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(address, buffer, out var written);
        return new string(buffer[..written]);
    }
}
