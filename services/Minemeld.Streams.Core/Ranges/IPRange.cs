using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>An inclusive range of addresses <c>[Start, End]</c> of one family.</summary>
public readonly record struct IPRange<T>(T Start, T End)
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public bool Contains(T address) => address >= Start && address <= End;

    public bool Overlaps(IPRange<T> other) => Start <= other.End && other.Start <= End;
}
