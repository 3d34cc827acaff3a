using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// What one interval change does to the output: pieces to publish (new, or covered by a different id set) and
/// pieces to withdraw (gone; each carries the ids that covered it before the change).
/// </summary>
public sealed class RangeDiff<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public List<RangePiece<T>> Updates { get; } = [];

    public List<RangePiece<T>> Withdraws { get; } = [];

    public bool IsEmpty => Updates.Count == 0 && Withdraws.Count == 0;
}
