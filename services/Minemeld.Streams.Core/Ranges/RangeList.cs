namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// A normalised set of IPv4 and IPv6 addresses, kept as two sorted, disjoint, non-adjacent range lists.
/// </summary>
public sealed class RangeList
{
    public RangeList(List<IPRange<uint>> v4, List<IPRange<UInt128>> v6)
    {
        V4 = v4;
        V6 = v6;
    }

    public List<IPRange<uint>> V4 { get; }

    public List<IPRange<UInt128>> V6 { get; }

    public static RangeList Union(IReadOnlyList<RangeList> lists) =>
        new(RangeSet.Union(lists.Select(static l => (IReadOnlyList<IPRange<uint>>)l.V4)),
            RangeSet.Union(lists.Select(static l => (IReadOnlyList<IPRange<UInt128>>)l.V6)));

    public RangeList Intersect(RangeList other) =>
        new(RangeSet.Intersect(V4, other.V4), RangeSet.Intersect(V6, other.V6));

    public RangeList Except(RangeList other) =>
        new(RangeSet.Except(V4, other.V4), RangeSet.Except(V6, other.V6));

    public RangeList SymmetricDifference(RangeList other) =>
        new(RangeSet.SymmetricDifference(V4, other.V4), RangeSet.SymmetricDifference(V6, other.V6));
}
