using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// Writes a range list as its minimal CIDR list, one per line, IPv4 first; a single address (/32, /128) is printed
/// bare, exactly as <c>iprange</c> prints IPv4.
/// </summary>
public static class RangeListWriter
{
    public static void WriteCidrs(RangeList list, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(list);
        Write<uint, IPv4Family>(list.V4, writer, IPv4Family.MaxTextLength);
        Write<UInt128, IPv6Family>(list.V6, writer, IPv6Family.MaxTextLength);
    }

    private static void Write<T, TFamily>(List<IPRange<T>> ranges, TextWriter writer, int maxAddressLength)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        Span<CidrBlock<T>> blocks = new CidrBlock<T>[Cidr.MaxBlocksPerRange];
        Span<char> line = stackalloc char[maxAddressLength + 5];
        foreach (var range in ranges)
        {
            var count = Cidr.Decompose<T, TFamily>(range.Start, range.End, blocks);
            for (var i = 0; i < count; i++)
            {
                TFamily.TryFormat(blocks[i].Network, line, out var length);
                if (blocks[i].PrefixLength != TFamily.Bits)
                {
                    line[length++] = '/';
                    blocks[i].PrefixLength.TryFormat(line[length..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
                    length += digits;
                }

                line[length++] = '\n';
                writer.Write(line[..length]);
            }
        }
    }
}
