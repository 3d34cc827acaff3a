using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>A CIDR block: a network address and a prefix length.</summary>
public readonly record struct CidrBlock<T>(T Network, int PrefixLength)
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>;
