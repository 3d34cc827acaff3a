using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// What one interval change does to the output: pieces to publish (new, or covered by a different id set) and
/// pieces to withdraw (gone; each carries the ids that covered it before the change). A map returns the same instance
/// for every change, refilled: read a diff before the next change of its map.
/// </summary>
public sealed class RangeDiff<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public List<RangePiece<T>> Updates { get; } = [];

    public List<RangePiece<T>> Withdraws { get; } = [];

    public bool IsEmpty => Updates.Count == 0 && Withdraws.Count == 0;

    /// <summary>Empties the diff for the next change (a huge one does not keep its room).</summary>
    internal void Clear(int maxKept)
    {
        Collections.ReusedList.Empty(Updates, maxKept);
        Collections.ReusedList.Empty(Withdraws, maxKept);
    }
}
