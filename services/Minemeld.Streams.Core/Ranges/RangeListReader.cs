using System.Runtime.InteropServices;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// Reads lists of IPs, CIDRs and ranges, one per line (IPv4 and IPv6 mixed), as <c>iprange</c> does: blank lines
/// and lines starting with <c>#</c> or <c>;</c> are skipped, anything after the first blank on a line is a comment,
/// CIDR host bits are cleared. A bad line is reported with its source and number and skipped; the rest is kept.
/// </summary>
public static class RangeListReader
{
    public static RangeList Read(string text, string source, ICollection<RangeLineError> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        var packed = new List<ulong>(Math.Max(16, text.Length / 16));
        var v6 = new List<IPRange<UInt128>>();
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.IsEmpty || line[0] == '#' || line[0] == ';')
            {
                continue;
            }

            var entry = FirstEntry(line);
            if (TryParseIPv4(entry, out var v4Range))
            {
                packed.Add(v4Range);
                continue;
            }

            if (IPRangeParser.TryParse(entry, out var parsed, out var error))
            {
                if (parsed.Family == AddressFamilyKind.IPv4)
                {
                    packed.Add(((ulong)parsed.V4.Start << 32) | parsed.V4.End);
                }
                else
                {
                    v6.Add(parsed.V6);
                }

                continue;
            }

            errors.Add(new RangeLineError(source, lineNumber, line.ToString(), error ?? "not an IP, CIDR or range"));
        }

        var v4 = new IPRange<uint>[packed.Count];
        var count = RangeSet.NormalizePacked(CollectionsMarshal.AsSpan(packed), v4);
        var v6Count = RangeSet.Normalize(CollectionsMarshal.AsSpan(v6));
        v6.RemoveRange(v6Count, v6.Count - v6Count);
        return new RangeList([.. v4.AsSpan(0, count)], v6);
    }

    /// <summary>
    /// The entry on a line: <c>a - b</c> with blanks around the dash is one entry; otherwise the first token.
    /// </summary>
    private static ReadOnlySpan<char> FirstEntry(ReadOnlySpan<char> line)
    {
        var blank = line.IndexOfAny(' ', '\t');
        if (blank < 0)
        {
            return line;
        }

        var rest = line[blank..].TrimStart();
        if (rest.Length > 0 && rest[0] == '-')
        {
            var after = rest[1..].TrimStart();
            var endBlank = after.IndexOfAny(' ', '\t');
            var consumed = line.Length - after.Length + (endBlank < 0 ? after.Length : endBlank);
            return line[..consumed];
        }

        return line[..blank];
    }

    /// <summary>
    /// The allocation-free IPv4 path (address, CIDR, or range without blanks), packed as <c>start &lt;&lt; 32 |
    /// end</c>. Anything else falls back to <see cref="IPRangeParser"/>, which also explains what is wrong.
    /// </summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> entry, out ulong packed)
    {
        packed = 0;
        var special = entry.IndexOfAny('/', '-');
        if (special < 0)
        {
            if (!IPv4Family.TryParse(entry, out var address))
            {
                return false;
            }

            packed = ((ulong)address << 32) | address;
            return true;
        }

        if (!IPv4Family.TryParse(entry[..special], out var start))
        {
            return false;
        }

        var rest = entry[(special + 1)..];
        if (entry[special] == '-')
        {
            if (!IPv4Family.TryParse(rest, out var end) || end < start)
            {
                return false;
            }

            packed = ((ulong)start << 32) | end;
            return true;
        }

        if (rest.IsEmpty || rest.Length > 2 || (rest.Length == 2 && rest[0] == '0'))
        {
            return false;
        }

        var prefix = 0;
        foreach (var c in rest)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            prefix = (prefix * 10) + (c - '0');
        }

        if (prefix > 32)
        {
            return false;
        }

        var hostMask = prefix == 0 ? uint.MaxValue : (1u << (32 - prefix)) - 1;
        var network = start & ~hostMask;
        packed = ((ulong)network << 32) | (network | hostMask);
        return true;
    }
}
