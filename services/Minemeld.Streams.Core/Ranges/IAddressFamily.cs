using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// An IP address family as an unsigned integer space: IPv4 is <see cref="uint"/>, IPv6 is <see cref="UInt128"/>.
/// The range algebra is written once over this abstraction and specialised by the JIT per family.
/// </summary>
public interface IAddressFamily<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    /// <summary>Number of address bits (32 or 128).</summary>
    static abstract int Bits { get; }

    /// <summary>Writes the canonical text form of an address.</summary>
    static abstract bool TryFormat(T address, Span<char> destination, out int written);

    /// <summary>Parses a single address in strict canonical-compatible syntax.</summary>
    static abstract bool TryParse(ReadOnlySpan<char> text, out T address);
}
