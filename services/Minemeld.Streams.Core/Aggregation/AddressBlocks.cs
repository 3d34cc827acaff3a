using System.Globalization;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Aggregation;

/// <summary>
/// How a range aggregator is partitioned so that replicas stay correct: the address space is cut into blocks
/// (IPv4 /8, IPv6 /24) and every interval goes to each block it touches. Intervals that can overlap therefore
/// always meet in one block, owned by one consumer. A range spanning blocks is cut at their boundaries, the one
/// visible effect on output (documented in the README).
/// </summary>
public static class AddressBlocks
{
    public const int IPv4BlockBits = 8;
    public const int IPv6BlockBits = 24;

    /// <summary>Most blocks one indicator may touch; wider IPv6 ranges are refused as too broad.</summary>
    public const int MaxBlocksPerIndicator = 4096;

    /// <summary>The 256 IPv4 block keys, made once: every IPv4 message is routed by one of them.</summary>
    private static readonly string[] IPv4Keys = [.. Enumerable.Range(0, 1 << IPv4BlockBits).Select(static b => $"4.{b.ToString(CultureInfo.InvariantCulture)}")];

    /// <summary>
    /// Each IPv4 block key alone, as <see cref="Of"/> returns it for an indicator within one block (read-only: shared).
    /// </summary>
    private static readonly IReadOnlyList<string>[] IPv4SingleKeys = [.. IPv4Keys.Select(static k => Array.AsReadOnly(new[] { k }))];

    /// <summary>The block keys an indicator belongs to; empty when it does not parse or is too broad.</summary>
    public static IReadOnlyList<string> Of(string indicator, AddressFamilyKind family)
    {
        if (!IPRangeParser.TryParse(indicator, out var parsed, out _) || parsed.Family != family)
        {
            return [];
        }

        var (first, last) = Blocks(parsed);
        if (family == AddressFamilyKind.IPv4)
        {
            return first == last ? IPv4SingleKeys[(int)first] : IPv4Keys[(int)first..((int)last + 1)];
        }

        if (last - first >= MaxBlocksPerIndicator)
        {
            return [];
        }

        var blocks = new List<string>();
        for (var b = first; b <= last; b++)
        {
            blocks.Add($"6.{((uint)b).ToString("x6", CultureInfo.InvariantCulture)}");
        }

        return blocks;
    }

    /// <summary>
    /// The number of the one block an address, CIDR or range lies in (IPv4 /8 or IPv6 /24, as in <see cref="Of"/>);
    /// null when <paramref name="indicator"/> is not an IP indicator or spans blocks. The same number as
    /// <see cref="Number"/> gives for that block's key.
    /// </summary>
    public static uint? SingleBlock(ReadOnlySpan<char> indicator)
    {
        if (!IPRangeParser.TryParse(indicator, out var parsed, out _))
        {
            return null;
        }

        var (first, last) = Blocks(parsed);
        return first == last ? (uint)first : null;
    }

    /// <summary>The numbers of the first and last block a parsed range touches (IPv4 /8 or IPv6 /24).</summary>
    private static (UInt128 First, UInt128 Last) Blocks(in ParsedRange parsed) => parsed.Family == AddressFamilyKind.IPv4
        ? (parsed.V4.Start >> (32 - IPv4BlockBits), parsed.V4.End >> (32 - IPv4BlockBits))
        : (parsed.V6.Start >> (128 - IPv6BlockBits), parsed.V6.End >> (128 - IPv6BlockBits));

    /// <summary>
    /// The number of a block from its key: <c>4.10</c> is 10, <c>6.20010d</c> is 0x20010d (the /24 prefix).
    /// </summary>
    public static uint Number(string block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return block.StartsWith("6.", StringComparison.Ordinal)
            ? uint.Parse(block.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(block.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    public static IPRange<uint> IPv4Range(string block)
    {
        var first = uint.Parse(block.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture) << (32 - IPv4BlockBits);
        return new IPRange<uint>(first, first | ((1u << (32 - IPv4BlockBits)) - 1));
    }

    public static IPRange<UInt128> IPv6Range(string block)
    {
        var first = (UInt128)uint.Parse(block.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) << (128 - IPv6BlockBits);
        return new IPRange<UInt128>(first, first | ((UInt128.One << (128 - IPv6BlockBits)) - UInt128.One));
    }
}
