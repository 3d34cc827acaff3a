using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// One output piece of a range aggregation: an elementary range between two cut points, with the ids of the
/// (non-whitelist) intervals covering it, in ascending id order.
/// </summary>
public readonly record struct RangePiece<T>(T Start, T End, IReadOnlyList<int> Ids)
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public IPRange<T> Range => new(Start, End);
}
