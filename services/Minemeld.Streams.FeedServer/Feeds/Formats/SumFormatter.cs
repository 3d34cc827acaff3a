using System.Runtime.InteropServices;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// <c>sum</c>: every IP entry of the window (range, CIDR or address) merged into one minimal CIDR list, sorted by
/// address, IPv4 first, always with a prefix length. Entries that are not IP pass through unchanged after the list
/// (MineMeld aborted the stream: docs/minemeld-compatibility.md, "Differences from MineMeld", 15).
/// </summary>
internal sealed class SumFormatter : IFeedFormatter
{
    public string ContentType => "text/plain; charset=utf-8";

    public bool NeedsValues => false;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var v4 = new List<IPRange<uint>>();
        var v6 = new List<IPRange<UInt128>>();
        var other = new List<string>();
        await context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                if (!IPRangeParser.TryParse(entry.Indicator, out var range, out _))
                {
                    other.Add(entry.Indicator);
                }
                else if (range.Family == AddressFamilyKind.IPv4)
                {
                    v4.Add(range.V4);
                }
                else
                {
                    v6.Add(range.V6);
                }
            }

            return page.Count;
        }, cancellationToken).ConfigureAwait(false);

        var output = context.Output;
        var blocks = new List<string>();
        Normalize(v4);
        Normalize(v6);
        foreach (var range in v4)
        {
            blocks.Clear();
            RangeTranslation.Add<uint, IPv4Family>(range.Start, range.End, bare: false, blocks);
            Write(output, blocks);
            await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var range in v6)
        {
            blocks.Clear();
            RangeTranslation.Add<UInt128, IPv6Family>(range.Start, range.End, bare: false, blocks);
            Write(output, blocks);
            await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        Write(output, other);
    }

    private static void Normalize<T>(List<IPRange<T>> ranges)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IUnsignedNumber<T>
    {
        var length = RangeSet.Normalize(CollectionsMarshal.AsSpan(ranges));
        ranges.RemoveRange(length, ranges.Count - length);
    }

    private static void Write(FeedOutput output, List<string> lines)
    {
        foreach (var line in lines)
        {
            output.Write(line);
            output.Write((byte)'\n');
        }
    }
}
