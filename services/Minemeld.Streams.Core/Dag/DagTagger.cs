using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Dag;

/// <summary>
/// What MineMeld's DAG pushers register on a PAN-OS device for an indicator: one IP address (a single IPv4 or IPv6
/// address; a network, a range of several addresses or another type is ignored and counted) with the tags
/// <c>&lt;prefix&gt;&lt;watermark&gt;</c> (<c>mmld_pushed</c>), and per <c>tag_attributes</c> entry:
/// <c>confidence</c> as <c>&lt;prefix&gt;confidence_low</c> (below 50), <c>_medium</c> (below 75) or <c>_high</c>; any
/// other attribute as <c>&lt;prefix&gt;&lt;name&gt;_&lt;value&gt;</c> (one tag per value of a list), with every
/// character outside <c>[A-Za-z0-9_]</c> turned into <c>_</c>; an attribute the value lacks as
/// <c>&lt;prefix&gt;&lt;name&gt;_unknown</c>.
/// </summary>
public sealed class DagTagger
{
    private readonly string _prefix;
    private readonly IReadOnlyList<string> _attributes;

    public DagTagger(string prefix, string watermark, IReadOnlyList<string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        _prefix = prefix;
        _attributes = attributes;
        Watermark = prefix + watermark;
    }

    /// <summary>
    /// The tag every address this pusher registered carries, and by which it finds them again on a device.
    /// </summary>
    public string Watermark { get; }

    /// <summary>The tags' prefix: a device's tags without it are someone else's and never touched.</summary>
    public string Prefix => _prefix;

    public static DagTagger FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var prefix = JsonNodeValues.TryGetString(config["tag_prefix"], out var p) ? p : "mmld_";
        var watermark = JsonNodeValues.TryGetString(config["tag_watermark"], out var w) ? w : "pushed";
        var attributes = config["tag_attributes"] is JsonArray list
            ? [.. list.Select(static a => a?.ToString() ?? string.Empty).Where(static a => a.Length > 0)]
            : new List<string> { "confidence", "direction" };
        return new DagTagger(prefix, watermark, attributes);
    }

    /// <summary>
    /// The single address an indicator stands for (<c>a-a</c> and a host-length prefix included), canonical; null with
    /// the reason when it is not one address of its type (a null type takes the address's own family).
    /// </summary>
    public static string? Address(string indicator, string? type, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        reason = null;
        if (type is not (null or IndicatorTypes.IPv4 or IndicatorTypes.IPv6))
        {
            reason = $"type {type ?? "(none)"} is not IPv4 or IPv6";
            return null;
        }

        if (!IPRangeParser.TryParse(indicator, out var range, out var error))
        {
            reason = $"not an address: {error}";
            return null;
        }

        // A withdraw may come without a value: its address then says its family.
        var family = type switch { IndicatorTypes.IPv4 => AddressFamilyKind.IPv4, IndicatorTypes.IPv6 => AddressFamilyKind.IPv6, _ => range.Family };
        if (range.Family != family)
        {
            reason = $"an {range.Family} address typed {type}";
            return null;
        }

        var single = range.Family == AddressFamilyKind.IPv4 ? range.V4.Start == range.V4.End : range.V6.Start == range.V6.End;
        if (!single)
        {
            reason = "a network or range, not one address";
            return null;
        }

        return range.Family == AddressFamilyKind.IPv4 ? IPv4Family.Format(range.V4.Start) : IPv6Family.Format(range.V6.Start);
    }

    /// <summary>The tags of an indicator's value, sorted, the watermark included.</summary>
    public SortedSet<string> Tags(JsonObject? value)
    {
        var tags = new SortedSet<string>(StringComparer.Ordinal) { Watermark };
        foreach (var attribute in _attributes)
        {
            var node = value?[attribute];
            if (node is null)
            {
                tags.Add($"{_prefix}{attribute}_unknown");
            }
            else if (attribute == "confidence" && JsonNodeValues.TryGetDouble(node, out var confidence))
            {
                tags.Add($"{_prefix}confidence_{(confidence < 50 ? "low" : confidence < 75 ? "medium" : "high")}");
            }
            else if (node is JsonArray values)
            {
                foreach (var item in values)
                {
                    tags.Add(Tag(attribute, item));
                }
            }
            else
            {
                tags.Add(Tag(attribute, node));
            }
        }

        return tags;
    }

    private string Tag(string attribute, JsonNode? value)
    {
        var text = value is null ? "None" : JsonNodeValues.TryGetString(value, out var s) ? s : value.ToJsonString();
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return string.Create(CultureInfo.InvariantCulture, $"{_prefix}{attribute}_{clean}");
    }
}
