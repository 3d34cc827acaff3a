namespace Minemeld.Streams.Core.Ranges;

/// <summary>Which family a parsed range belongs to.</summary>
public enum AddressFamilyKind
{
    None = 0,
    IPv4 = 4,
    IPv6 = 6,
}

/// <summary>
/// The result of parsing an address, CIDR or <c>a-b</c> range. Exactly one of the two ranges is meaningful, as
/// <see cref="Family"/> says. <see cref="HostBitsFixed"/> is set when a CIDR had host bits that were cleared.
/// </summary>
public readonly record struct ParsedRange(
    AddressFamilyKind Family,
    IPRange<uint> V4,
    IPRange<UInt128> V6,
    bool HostBitsFixed,
    bool IsSingleAddress,
    bool IsCidr);
