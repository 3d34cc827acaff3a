using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// The over-broad guard: an IPv4 or IPv6 indicator that covers more addresses than a network of the node's broadest
/// prefix is refused (the list API answers why, miners and feed outputs count and skip it). A single leaked
/// <c>0.0.0.0/0</c> in a block list would otherwise make every firewall that reads the feed block everything; CIF and
/// XSOAR guard the same way. A prefix of 0 accepts everything.
/// <para>
/// Broadness is the number of addresses, so a range that is not one CIDR counts as what it covers:
/// <c>10.0.0.0-10.255.255.255</c> is a /8, <c>10.0.0.0-11.0.0.0</c> is broader.
/// </para>
/// </summary>
public readonly record struct BroadnessGuard(int Ipv4Prefix, int Ipv6Prefix)
{
    /// <summary>The config key of a node's broadest accepted IPv4 prefix.</summary>
    public const string Ipv4Key = "broadest_ipv4_prefix";

    /// <summary>The config key of a node's broadest accepted IPv6 prefix.</summary>
    public const string Ipv6Key = "broadest_ipv6_prefix";

    /// <summary>Refuses IPv4 broader than a /8 and IPv6 broader than a /32.</summary>
    public static BroadnessGuard Default { get; } = new(8, 32);

    /// <summary>Accepts every network (a node whose indicators only ever whitelist).</summary>
    public static BroadnessGuard Off { get; } = new(0, 0);

    public bool IsOff => Ipv4Prefix == 0 && Ipv6Prefix == 0;

    /// <summary>
    /// The node's guard: its config keys where it has them, <paramref name="fallback"/> for the others.
    /// </summary>
    public static BroadnessGuard FromConfig(JsonObject config, BroadnessGuard fallback)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BroadnessGuard(
            JsonNodeValues.TryGetInt64(config[Ipv4Key], out var v4) ? (int)v4 : fallback.Ipv4Prefix,
            JsonNodeValues.TryGetInt64(config[Ipv6Key], out var v6) ? (int)v6 : fallback.Ipv6Prefix);
    }

    /// <summary>Whether the config sets either key (then the node's guard is what it says, not a default).</summary>
    public static bool IsConfigured(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.ContainsKey(Ipv4Key) || config.ContainsKey(Ipv6Key);
    }

    /// <summary>
    /// Whether <paramref name="indicator"/>, of <paramref name="type"/>, is broader than this guard accepts. Only the
    /// IPv4 and IPv6 types are looked at; an indicator that does not parse is not this guard's business (the parsers
    /// and the aggregators report it).
    /// </summary>
    public bool Refuses(string? type, ReadOnlySpan<char> indicator) => Refuses(type, indicator, out _);

    /// <summary>
    /// <see cref="Refuses(string?, ReadOnlySpan{char})"/>, with <paramref name="reason"/>: what is too broad and which
    /// limit it breaks, for the list API's answer and the logs.
    /// </summary>
    public bool Refuses(string? type, ReadOnlySpan<char> indicator, out string? reason)
    {
        if (type == IndicatorTypes.IPv4)
        {
            return Refuses<uint, IPv4Family>(indicator.Trim(), Ipv4Prefix, Ipv4Key, out reason);
        }

        if (type == IndicatorTypes.IPv6)
        {
            return Refuses<UInt128, IPv6Family>(indicator.Trim(), Ipv6Prefix, Ipv6Key, out reason);
        }

        reason = null;
        return false;
    }

    /// <summary>One family's check: the range's address count against a network of <paramref name="prefix"/>.</summary>
    private static bool Refuses<T, TFamily>(ReadOnlySpan<char> indicator, int prefix, string key, out string? reason)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        where TFamily : IAddressFamily<T>
    {
        reason = null;
        // A single address (neither '/' nor '-') is never broad: most indicators are, and are not parsed.
        if (prefix == 0 || indicator.IndexOfAny('/', '-') < 0 || !IPRangeParser.TryParse<T, TFamily>(indicator, out var range, out _, out _, out _, out _))
        {
            return false;
        }

        // Addresses covered minus one, so 0.0.0.0/0 and ::/0 do not overflow.
        var span = range.End - range.Start;
        if (span < T.One << (TFamily.Bits - prefix))
        {
            return false;
        }

        // An IPv4 count is still readable; an IPv6 one has up to 39 digits.
        reason = TFamily.Bits <= 32
            ? string.Create(CultureInfo.InvariantCulture, $"{indicator} covers {ulong.CreateTruncating(span) + 1:N0} addresses, more than a /{prefix} (the node's {key}; 0 turns the guard off)")
            : $"{indicator} is broader than a /{prefix} (the node's {key}; 0 turns the guard off)";
        return true;
    }
}
