using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>Range to minimal CIDR list, and CIDR to range.</summary>
public static class Cidr
{
    /// <summary>The largest number of blocks one range can need: 2·bits − 2 (62 for IPv4, 254 for IPv6).</summary>
    public const int MaxBlocksPerRange = 254;

    /// <summary>
    /// Writes the minimal list of CIDR blocks covering exactly <c>[start, end]</c>, in address order, and returns
    /// how many were written. <paramref name="destination"/> must hold <see cref="MaxBlocksPerRange"/> blocks.
    /// </summary>
    public static int Decompose<T, TFamily>(T start, T end, Span<CidrBlock<T>> destination)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        var bits = TFamily.Bits;
        var count = 0;
        while (true)
        {
            // The block at `start` may be as large as its alignment allows...
            var alignment = start == T.Zero ? bits : int.CreateTruncating(T.TrailingZeroCount(start));
            // ...and no larger than what is left of the range.
            var remaining = end - start;
            var fits = remaining == T.AllBitsSet ? bits : int.CreateTruncating(T.Log2(remaining + T.One));
            var size = Math.Min(alignment, fits);
            destination[count++] = new CidrBlock<T>(start, bits - size);
            var last = size == bits ? T.AllBitsSet : start + ((T.One << size) - T.One);
            if (last >= end)
            {
                return count;
            }

            start = last + T.One;
        }
    }

    /// <summary>The range a block covers.</summary>
    public static IPRange<T> ToRange<T, TFamily>(CidrBlock<T> block)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        var hostBits = TFamily.Bits - block.PrefixLength;
        var hostMask = hostBits == TFamily.Bits ? T.AllBitsSet : (T.One << hostBits) - T.One;
        var network = block.Network & ~hostMask;
        return new IPRange<T>(network, network | hostMask);
    }
}
