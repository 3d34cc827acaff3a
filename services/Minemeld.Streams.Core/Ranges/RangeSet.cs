using System.Numerics;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// Set algebra over lists of ranges (the job of FireHOL's <c>iprange</c>). Every operation takes and returns
/// <em>normalised</em> lists: sorted by start, non-overlapping and non-adjacent.
/// </summary>
public static class RangeSet
{
    /// <summary>
    /// Sorts <paramref name="ranges"/> in place and merges overlapping and adjacent ranges; returns the length of
    /// the normalised prefix of the span.
    /// </summary>
    public static int Normalize<T>(Span<IPRange<T>> ranges)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (ranges.Length == 0)
        {
            return 0;
        }

        ranges.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return NormalizeSorted(ranges);
    }

    /// <summary>
    /// IPv4 fast path: each range packed as <c>start &lt;&lt; 32 | end</c>, ordered by start with an LSD radix sort
    /// (four byte-wide passes over the start address; merging needs no order among equal starts). A million
    /// ranges sort in a fraction of the time a comparison sort takes. <paramref name="packed"/> is reordered.
    /// </summary>
    public static int NormalizePacked(Span<ulong> packed, Span<IPRange<uint>> destination)
    {
        RadixSortByStart(packed);
        var count = 0;
        var i = 0;
        while (i < packed.Length)
        {
            var start = (uint)(packed[i] >> 32);
            var end = (uint)packed[i];
            i++;
            while (i < packed.Length)
            {
                var nextStart = (uint)(packed[i] >> 32);
                if (end != uint.MaxValue && nextStart > end + 1)
                {
                    break;
                }

                end = Math.Max(end, (uint)packed[i]);
                i++;
            }

            destination[count++] = new IPRange<uint>(start, end);
        }

        return count;
    }

    private static void RadixSortByStart(Span<ulong> keys)
    {
        if (keys.Length < 256)
        {
            keys.Sort();
            return;
        }

        var buffer = new ulong[keys.Length];
        Span<ulong> source = keys;
        Span<ulong> target = buffer;
        Span<int> offsets = stackalloc int[256];
        for (var shift = 32; shift < 64; shift += 8)
        {
            offsets.Clear();
            foreach (var key in source)
            {
                offsets[(int)((key >> shift) & 0xFF)]++;
            }

            var total = 0;
            for (var b = 0; b < 256; b++)
            {
                var n = offsets[b];
                offsets[b] = total;
                total += n;
            }

            foreach (var key in source)
            {
                target[offsets[(int)((key >> shift) & 0xFF)]++] = key;
            }

            var swap = source;
            source = target;
            target = swap;
        }

        // Four passes: the sorted keys are back in the caller's span.
    }

    /// <summary>Merges an already sorted span in place; returns the normalised length.</summary>
    public static int NormalizeSorted<T>(Span<IPRange<T>> sorted)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var count = 0;
        var current = sorted[0];
        for (var i = 1; i < sorted.Length; i++)
        {
            var next = sorted[i];
            if (current.End == T.AllBitsSet || next.Start <= current.End + T.One)
            {
                if (next.End > current.End)
                {
                    current = current with { End = next.End };
                }
            }
            else
            {
                sorted[count++] = current;
                current = next;
            }
        }

        sorted[count++] = current;
        return count;
    }

    /// <summary>Addresses in both normalised lists.</summary>
    public static List<IPRange<T>> Intersect<T>(IReadOnlyList<IPRange<T>> a, IReadOnlyList<IPRange<T>> b)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var result = new List<IPRange<T>>();
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var start = T.Max(a[i].Start, b[j].Start);
            var end = T.Min(a[i].End, b[j].End);
            if (start <= end)
            {
                result.Add(new IPRange<T>(start, end));
            }

            if (a[i].End < b[j].End)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return result;
    }

    /// <summary>Addresses of <paramref name="a"/> not in <paramref name="b"/> (both normalised).</summary>
    public static List<IPRange<T>> Except<T>(IReadOnlyList<IPRange<T>> a, IReadOnlyList<IPRange<T>> b)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var result = new List<IPRange<T>>();
        var j = 0;
        foreach (var range in a)
        {
            var start = range.Start;
            var open = true;
            while (j < b.Count && b[j].End < start)
            {
                j++;
            }

            var k = j;
            while (open && k < b.Count && b[k].Start <= range.End)
            {
                if (b[k].Start > start)
                {
                    result.Add(new IPRange<T>(start, b[k].Start - T.One));
                }

                if (b[k].End >= range.End)
                {
                    open = false;
                }
                else
                {
                    start = b[k].End + T.One;
                    k++;
                }
            }

            if (open)
            {
                result.Add(new IPRange<T>(start, range.End));
            }
        }

        return result;
    }

    /// <summary>Addresses in exactly one of the two normalised lists.</summary>
    public static List<IPRange<T>> SymmetricDifference<T>(IReadOnlyList<IPRange<T>> a, IReadOnlyList<IPRange<T>> b)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var parts = Except(a, b);
        parts.AddRange(Except(b, a));
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(parts);
        var count = Normalize(span);
        parts.RemoveRange(count, parts.Count - count);
        return parts;
    }

    /// <summary>Union of normalised lists.</summary>
    public static List<IPRange<T>> Union<T>(IEnumerable<IReadOnlyList<IPRange<T>>> lists)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        var all = lists.SelectMany(static l => l).ToList();
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all);
        var count = Normalize(span);
        all.RemoveRange(count, all.Count - count);
        return all;
    }
}
