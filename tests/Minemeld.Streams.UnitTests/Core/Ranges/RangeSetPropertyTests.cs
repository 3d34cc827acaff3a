using System.Numerics;
using CsCheck;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>Batch set algebra and CIDR decomposition against address-set oracles on small windows.</summary>
public sealed class RangeSetPropertyTests
{
    private const int Window = 64;

    private static readonly Gen<(int A, int B)[]> Lists = Gen.Select(Gen.Int[0, Window - 1], Gen.Int[0, Window - 1]).Array[0, 12];

    [Fact]
    public void IPv4SetOperationsMatchAddressSets() => Gen.Select(Lists, Lists).Sample(t => CheckOperations<uint>(t.Item1, t.Item2, 0u), iter: 500);

    [Fact]
    public void IPv4SetOperationsAtTheTopMatchAddressSets() =>
        Gen.Select(Lists, Lists).Sample(t => CheckOperations<uint>(t.Item1, t.Item2, uint.MaxValue - (Window - 1)), iter: 500);

    [Fact]
    public void IPv6SetOperationsAtTheTopMatchAddressSets() =>
        Gen.Select(Lists, Lists).Sample(t => CheckOperations<UInt128>(t.Item1, t.Item2, UInt128.MaxValue - (Window - 1)), iter: 500);

    [Fact]
    public void PackedIPv4NormalisationMatchesTheGenericOne() =>
        Gen.Select(Gen.UInt, Gen.UInt[0, 5000]).Array[0, 2000].Sample(pairs =>
        {
            var ranges = pairs.Select(static p => new IPRange<uint>(p.Item1, (uint)Math.Min(uint.MaxValue, (ulong)p.Item1 + p.Item2))).ToArray();
            var packed = ranges.Select(static r => ((ulong)r.Start << 32) | r.End).ToArray();
            var fast = new IPRange<uint>[packed.Length];
            var fastCount = RangeSet.NormalizePacked(packed, fast);
            var slowCount = RangeSet.Normalize(ranges.AsSpan());
            Assert.Equal(ranges[..slowCount], fast[..fastCount]);
        }, iter: 200);

    [Fact]
    public void IPv4CidrDecompositionIsExactAlignedAndMinimal() =>
        Gen.Select(Gen.UInt, Gen.UInt).Sample(t =>
        {
            var (start, end) = (Math.Min(t.Item1, t.Item2), Math.Max(t.Item1, t.Item2));
            CheckDecomposition<uint, IPv4Family>(start, end);
        }, iter: 2000);

    [Fact]
    public void IPv6CidrDecompositionIsExactAlignedAndMinimal() =>
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong).Sample(t =>
        {
            var a = new UInt128(t.Item1, t.Item2);
            var b = new UInt128(t.Item3, t.Item4);
            CheckDecomposition<UInt128, IPv6Family>(UInt128.Min(a, b), UInt128.Max(a, b));
        }, iter: 500);

    [Theory]
    [InlineData(0u, uint.MaxValue, "0.0.0.0/0")]
    [InlineData(0u, 0u, "0.0.0.0/32")]
    [InlineData(uint.MaxValue, uint.MaxValue, "255.255.255.255/32")]
    [InlineData(0x01010100u, 0x01010121u, "1.1.1.0/27 1.1.1.32/31")]
    public void CidrDecompositionOfKnownRanges(uint start, uint end, string expected)
    {
        var blocks = new CidrBlock<uint>[Cidr.MaxBlocksPerRange];
        var count = Cidr.Decompose<uint, IPv4Family>(start, end, blocks);
        Assert.Equal(expected, string.Join(' ', blocks[..count].Select(static b => $"{IPv4Family.Format(b.Network)}/{b.PrefixLength}")));
    }

    private static void CheckOperations<T>((int A, int B)[] first, (int A, int B)[] second, T origin)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var a = Normalised(first, origin);
        var b = Normalised(second, origin);
        var setA = Addresses(first);
        var setB = Addresses(second);
        AssertSet(setA, a, origin);
        AssertSet([.. setA.Union(setB)], RangeSet.Union<T>([a, b]), origin);
        AssertSet([.. setA.Intersect(setB)], RangeSet.Intersect(a, b), origin);
        AssertSet([.. setA.Except(setB)], RangeSet.Except(a, b), origin);
        AssertSet([.. setA.Union(setB).Except(setA.Intersect(setB))], RangeSet.SymmetricDifference(a, b), origin);
    }

    private static List<IPRange<T>> Normalised<T>((int A, int B)[] pairs, T origin)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var ranges = pairs.Select(p => new IPRange<T>(origin + T.CreateChecked(Math.Min(p.A, p.B)), origin + T.CreateChecked(Math.Max(p.A, p.B)))).ToArray();
        var count = RangeSet.Normalize(ranges.AsSpan());
        return [.. ranges[..count]];
    }

    private static HashSet<int> Addresses((int A, int B)[] pairs) =>
        [.. pairs.SelectMany(static p => Enumerable.Range(Math.Min(p.A, p.B), Math.Abs(p.A - p.B) + 1))];

    /// <summary>The list covers exactly the set, and is normalised: sorted, disjoint, not adjacent.</summary>
    private static void AssertSet<T>(HashSet<int> expected, List<IPRange<T>> actual, T origin)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var covered = actual.SelectMany(r => Enumerable.Range(int.CreateChecked(r.Start - origin), int.CreateChecked(r.End - r.Start) + 1)).ToList();
        Assert.Equal(expected.Order(), covered);
        for (var i = 1; i < actual.Count; i++)
        {
            Assert.True(actual[i].Start > actual[i - 1].End + T.One, "ranges must be sorted, disjoint and not adjacent");
        }
    }

    private static void CheckDecomposition<T, TFamily>(T start, T end)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        var blocks = new CidrBlock<T>[Cidr.MaxBlocksPerRange];
        var count = Cidr.Decompose<T, TFamily>(start, end, blocks);
        var next = start;
        for (var i = 0; i < count; i++)
        {
            var range = Cidr.ToRange<T, TFamily>(blocks[i]);
            Assert.Equal(blocks[i].Network, range.Start);
            Assert.Equal(next, range.Start);
            next = range.End + T.One;
            if (i == count - 1)
            {
                Assert.Equal(end, range.End);
            }
        }

        Assert.Equal(MinimalCount<T>(start, end, T.Zero, TFamily.Bits), count);
    }

    /// <summary>Independent minimum: walk the prefix tree; a node inside the range is one block.</summary>
    private static int MinimalCount<T>(T start, T end, T network, int hostBits)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var last = hostBits == int.CreateChecked(T.PopCount(T.AllBitsSet)) ? T.AllBitsSet : network + ((T.One << hostBits) - T.One);
        if (last < start || network > end)
        {
            return 0;
        }

        if (network >= start && last <= end)
        {
            return 1;
        }

        var half = T.One << (hostBits - 1);
        return MinimalCount(start, end, network, hostBits - 1) + MinimalCount(start, end, network + half, hostBits - 1);
    }
}
