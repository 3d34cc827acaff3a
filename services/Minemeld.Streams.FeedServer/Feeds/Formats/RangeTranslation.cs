using System.Numerics;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// <c>tr=1</c>: an <c>A-B</c> entry becomes its minimal CIDR list, a one-address block printed bare
/// (<c>10.0.0.5</c>), larger blocks as <c>a.b.c.d/len</c>. Anything else passes through unchanged
/// (MineMeld's handler crashed on it: docs/minemeld-compatibility.md, "Differences from MineMeld", 15).
/// </summary>
public static class RangeTranslation
{
    public static void Translate(string indicator, List<string> into)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        ArgumentNullException.ThrowIfNull(into);
        var dash = indicator.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            var left = indicator.AsSpan(0, dash);
            var right = indicator.AsSpan(dash + 1);
            if (IPv4Family.TryParse(left, out var s4) && IPv4Family.TryParse(right, out var e4) && s4 <= e4)
            {
                Add<uint, IPv4Family>(s4, e4, bare: true, into);
                return;
            }

            if (IPv6Family.TryParse(left, out var s6) && IPv6Family.TryParse(right, out var e6) && s6 <= e6)
            {
                Add<UInt128, IPv6Family>(s6, e6, bare: true, into);
                return;
            }
        }

        into.Add(indicator);
    }

    /// <summary>
    /// The indicators one entry becomes in json, csv and mwg: its range's CIDRs when <paramref name="translate"/> and
    /// the entry qualifies (<see cref="StoredValue.IsTranslatable"/>), else the entry itself.
    /// </summary>
    public static void Expand(FeedEntry entry, System.Text.Json.JsonDocument? value, bool translate, List<string> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        if (translate && StoredValue.IsTranslatable(entry, value))
        {
            Translate(entry.Indicator, into);
        }
        else
        {
            into.Add(entry.Indicator);
        }
    }

    /// <summary>
    /// The CIDR blocks of one range as text; <paramref name="bare"/> prints one-address blocks without a prefix.
    /// </summary>
    public static void Add<T, TFamily>(T start, T end, bool bare, List<string> into)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<CidrBlock<T>> blocks = stackalloc CidrBlock<T>[Cidr.MaxBlocksPerRange]; // once per entry on tr=1: no heap
        Span<char> text = stackalloc char[64];
        var count = Cidr.Decompose<T, TFamily>(start, end, blocks);
        for (var i = 0; i < count; i++)
        {
            TFamily.TryFormat(blocks[i].Network, text, out var length);
            into.Add(bare && blocks[i].PrefixLength == TFamily.Bits
                ? new string(text[..length])
                : string.Concat(text[..length], "/", blocks[i].PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
