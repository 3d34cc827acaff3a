using System.Net;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Syslog;

/// <summary>
/// What a syslog matcher holds, indexed for lookups: IPv4 and IPv6 indicators (addresses, networks, ranges) by
/// address range, domains by name. An address is matched by the indicator of the greatest start that contains it
/// (MineMeld's rule, here also right when ranges of several sources overlap); a URL by its host name.
/// </summary>
public sealed class MatchIndex
{
    private readonly Family<uint> _v4;
    private readonly Family<UInt128> _v6;
    private readonly Dictionary<string, string> _domains;

    private MatchIndex(Family<uint> v4, Family<UInt128> v6, Dictionary<string, string> domains) => (_v4, _v6, _domains) = (v4, v6, domains);

    public static MatchIndex Empty { get; } = Build([]);

    public int Count => _v4.Count + _v6.Count + _domains.Count;

    /// <summary>
    /// An index of (type, indicator, key) entries; the key is what a match answers. Unreadable entries are left out.
    /// </summary>
    public static MatchIndex Build(IEnumerable<(string Type, string Indicator, string Key)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var v4 = new List<(uint, uint, string)>();
        var v6 = new List<(UInt128, UInt128, string)>();
        var domains = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, indicator, key) in entries)
        {
            if (type == IndicatorTypes.Domain)
            {
                domains[indicator.ToLowerInvariant()] = key;
            }
            else if (type is IndicatorTypes.IPv4 or IndicatorTypes.IPv6 && IPRangeParser.TryParse(indicator, out var range, out _))
            {
                if (range.Family == AddressFamilyKind.IPv4)
                {
                    v4.Add((range.V4.Start, range.V4.End, key));
                }
                else
                {
                    v6.Add((range.V6.Start, range.V6.End, key));
                }
            }
        }

        return new MatchIndex(new Family<uint>(v4), new Family<UInt128>(v6), domains);
    }

    /// <summary>The key of the indicator an address falls in, or null (also for text that is not an address).</summary>
    public string? MatchAddress(string address)
    {
        if (!IPAddress.TryParse(address, out var parsed))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            parsed.TryWriteBytes(bytes, out _);
            return _v4.Find(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (parsed.IsIPv4MappedToIPv6)
        {
            parsed.MapToIPv4().TryWriteBytes(bytes, out _);
            return _v4.Find(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        parsed.TryWriteBytes(bytes, out _);
        return _v6.Find(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// The key of the domain a URL's host is (the URL with or without scheme), and that host; null when none.
    /// </summary>
    public (string Key, string Host)? MatchUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var end = rest.IndexOfAny(['/', '?', '#']);
        var host = end < 0 ? rest : rest[..end];
        var at = host.LastIndexOf('@');
        host = at < 0 ? host : host[(at + 1)..];
        var colon = host.LastIndexOf(':');
        host = (colon > 0 && !host.StartsWith('[') ? host[..colon] : host).TrimEnd('.').ToLowerInvariant();
        return _domains.TryGetValue(host, out var key) ? (key, host) : null;
    }

    /// <summary>
    /// One family's ranges sorted by start, with the greatest end of every prefix (for overlapping ranges).
    /// </summary>
    private sealed class Family<T>
        where T : struct, IComparable<T>
    {
        private readonly T[] _starts;
        private readonly T[] _ends;
        private readonly T[] _maxEnds;
        private readonly string[] _keys;

        public Family(List<(T Start, T End, string Key)> ranges)
        {
            ranges.Sort(static (a, b) => a.Start.CompareTo(b.Start));
            _starts = [.. ranges.Select(static r => r.Start)];
            _ends = [.. ranges.Select(static r => r.End)];
            _keys = [.. ranges.Select(static r => r.Key)];
            _maxEnds = new T[ranges.Count];
            for (var i = 0; i < ranges.Count; i++)
            {
                _maxEnds[i] = i == 0 || _ends[i].CompareTo(_maxEnds[i - 1]) > 0 ? _ends[i] : _maxEnds[i - 1];
            }
        }

        public int Count => _keys.Length;

        public string? Find(T address)
        {
            // The last range starting at or before the address, then back while an earlier one may still reach it.
            var i = Array.BinarySearch(_starts, address);
            i = i >= 0 ? LastEqual(i) : ~i - 1;
            for (; i >= 0 && _maxEnds[i].CompareTo(address) >= 0; i--)
            {
                if (_ends[i].CompareTo(address) >= 0)
                {
                    return _keys[i];
                }
            }

            return null;
        }

        private int LastEqual(int i)
        {
            while (i + 1 < _starts.Length && _starts[i + 1].CompareTo(_starts[i]) == 0)
            {
                i++;
            }

            return i;
        }
    }
}
