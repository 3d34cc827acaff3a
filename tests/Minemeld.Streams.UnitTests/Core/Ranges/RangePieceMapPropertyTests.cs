using System.Numerics;
using CsCheck;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>
/// The incremental algebra against a per-address oracle on a 64-address window: after every random add or remove
/// (normal and whitelist intervals), the pieces equal the oracle's, and the returned diff is exactly what turns the
/// previous pieces into the new ones (nothing missing, nothing spurious).
/// </summary>
public sealed class RangePieceMapPropertyTests
{
    private const int Window = 64;

    // (kind 0..2: add normal, add whitelist, remove; a, b offsets; which existing interval to remove)
    private static readonly Gen<(int Kind, int A, int B, int Pick)[]> Operations =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Window - 1], Gen.Int[0, Window - 1], Gen.Int[0, 1000]).Array[1, 40];

    [Fact]
    public void IPv4SmallSpaceMatchesThePerAddressOracle() =>
        Operations.Sample(ops => Check<uint>(ops, 0u, new RangePieceMap<uint>(Window - 1)), iter: 400);

    [Fact]
    public void IPv4TopOfTheSpaceMatchesThePerAddressOracle() =>
        Operations.Sample(ops => Check<uint>(ops, uint.MaxValue - (Window - 1), new RangePieceMap<uint>()), iter: 400);

    [Fact]
    public void IPv6SmallSpaceMatchesThePerAddressOracle() =>
        Operations.Sample(ops => Check<UInt128>(ops, UInt128.Zero, new RangePieceMap<UInt128>(Window - 1)), iter: 400);

    [Fact]
    public void IPv6TopOfTheSpaceMatchesThePerAddressOracle() =>
        Operations.Sample(ops => Check<UInt128>(ops, UInt128.MaxValue - (Window - 1), new RangePieceMap<UInt128>()), iter: 400);

    private static void Check<T>((int Kind, int A, int B, int Pick)[] ops, T origin, RangePieceMap<T> map)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var live = new Dictionary<int, (int Start, int End, bool Whitelist)>();
        var published = new Dictionary<(int, int), int[]>();
        var nextId = 1;
        foreach (var (kind, a, b, pick) in ops)
        {
            RangeDiff<T> diff;
            if (kind < 2 || live.Count == 0)
            {
                var (start, end) = (Math.Min(a, b), Math.Max(a, b));
                var id = nextId++;
                live[id] = (start, end, kind == 1);
                diff = map.Add(id, origin + T.CreateChecked(start), origin + T.CreateChecked(end), kind == 1);
            }
            else
            {
                var id = live.Keys.ElementAt(pick % live.Count);
                live.Remove(id);
                diff = map.Remove(id);
            }

            var expected = Oracle(live);
            Assert.Equal(expected, Relative(map.AllPieces(), origin));

            // The diff turns what was published before into what is expected now, and contains nothing else.
            foreach (var withdrawn in Relative(diff.Withdraws, origin))
            {
                Assert.True(published.Remove((withdrawn.Start, withdrawn.End)), $"withdrew unpublished {withdrawn}");
                Assert.False(expected.Any(p => p.Start == withdrawn.Start && p.End == withdrawn.End && p.Ids.SequenceEqual(withdrawn.Ids)), "withdrew a live piece");
            }

            foreach (var updated in Relative(diff.Updates, origin))
            {
                var key = (updated.Start, updated.End);
                Assert.False(published.TryGetValue(key, out var old) && old.SequenceEqual(updated.Ids), $"re-published unchanged {updated}");
                published[key] = updated.Ids;
            }

            Assert.Equal(
                expected.Select(static p => $"{p.Start}-{p.End}:{string.Join(',', p.Ids)}"),
                published.OrderBy(static p => p.Key.Item1).Select(static p => $"{p.Key.Item1}-{p.Key.Item2}:{string.Join(',', p.Value)}"));
        }
    }

    /// <summary>
    /// Per-address oracle: address k is output iff some normal interval and no whitelist interval covers it; its
    /// ids are the covering normal intervals. Pieces are maximal runs not crossing a cut (an interval start, or
    /// one past an interval end).
    /// </summary>
    private static List<Piece> Oracle(Dictionary<int, (int Start, int End, bool Whitelist)> live)
    {
        var cuts = new HashSet<int>();
        foreach (var (start, end, _) in live.Values)
        {
            cuts.Add(start);
            cuts.Add(end + 1);
        }

        var pieces = new List<Piece>();
        var runStart = 0;
        for (var k = 0; k <= Window; k++)
        {
            if (k == Window || (k > 0 && cuts.Contains(k)))
            {
                var covering = live.Where(i => i.Value.Start <= runStart && runStart <= i.Value.End).ToList();
                if (covering.Count > 0 && !covering.Any(static i => i.Value.Whitelist))
                {
                    pieces.Add(new Piece(runStart, k - 1, [.. covering.Select(static i => i.Key).Order()]));
                }

                runStart = k;
            }
        }

        return pieces;
    }

    private static List<Piece> Relative<T>(IEnumerable<RangePiece<T>> pieces, T origin)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T> =>
        [.. pieces.Select(p => new Piece(int.CreateChecked(p.Start - origin), int.CreateChecked(p.End - origin), [.. p.Ids]))];

    private sealed record Piece(int Start, int End, int[] Ids)
    {
        public bool Equals(Piece? other) => other is not null && Start == other.Start && End == other.End && Ids.SequenceEqual(other.Ids);

        public override int GetHashCode() => HashCode.Combine(Start, End, Ids.Length);

        public override string ToString() => $"{Start}-{End}:[{string.Join(',', Ids)}]";
    }
}
