using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// Recorded Future's risk lists (MineMeld's <c>recordedfuture.IPRiskList</c>, <c>DomainRiskList</c>,
/// <c>MasterRiskList</c>): the CSV of <c>/v2/&lt;entity&gt;/risklist?format=csv/splunk</c> with the columns
/// <c>Name</c>, <c>Risk</c>, <c>RiskString</c>, <c>EvidenceDetails</c> (JSON) and, for hashes, <c>Algorithm</c>.
/// Each row gives <c>recordedfuture_risk</c>, <c>confidence</c> = risk × the node's <c>confidence</c> (80) / 100,
/// <c>recordedfuture_riskstring</c>, <c>recordedfuture_evidencedetails</c> (the rules of the evidence),
/// <c>recordedfuture_entityurl</c> and the type the entity says (a hash's by its length).
/// </summary>
public sealed class RecordedFutureParser(JsonObject config, string entity)
{
    private readonly CsvFeedParser _csv = new(Without(config, "fieldnames"));
    private readonly long _confidence = JsonNodeValues.TryGetInt64(config["confidence"], out var c) ? c : 80;
    private readonly JsonObject _defaults = config["attributes"] as JsonObject ?? [];

    /// <summary>The entities Recorded Future publishes risk lists of, and how their entity pages are named.</summary>
    public static readonly IReadOnlyDictionary<string, string> Entities = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ip"] = "ip",
        ["domain"] = "idn",
        ["url"] = "url",
        ["hash"] = "hash",
    };

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var (line, header, cells) in _csv.Records(reader))
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count && i < cells.Count; i++)
            {
                row[header[i]] = cells[i];
            }

            if (!row.TryGetValue("Name", out var name) || name.Length == 0)
            {
                report.Error(line, "no Name: not a risk list row");
                continue;
            }

            var attributes = new JsonObject();
            string? type = entity switch
            {
                "ip" => IndicatorCheck.TryIpType(name, out var ipType) ? ipType : null,
                "domain" => IndicatorTypes.Domain,
                "url" => IndicatorTypes.Url,
                "hash" => name.Length switch { 64 => IndicatorTypes.Sha256, 40 => IndicatorTypes.Sha1, 32 => IndicatorTypes.Md5, _ => null },
                _ => null,
            };
            if (type is null)
            {
                report.Error(line, $"'{IndicatorCheck.Truncate(name)}' is not a {entity}");
                continue;
            }

            attributes[IndicatorValue.Type] = type;
            if (entity == "hash" && row.TryGetValue("Algorithm", out var algorithm) && algorithm.Length > 0)
            {
                attributes["recordedfuture_algorithm"] = algorithm;
            }

            if (row.TryGetValue("Risk", out var riskText) && long.TryParse(riskText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var risk))
            {
                attributes["recordedfuture_risk"] = risk;
                attributes["confidence"] = risk * _confidence / 100;
            }

            if (row.TryGetValue("RiskString", out var riskString) && riskString.Length > 0)
            {
                attributes["recordedfuture_riskstring"] = riskString;
            }

            if (row.TryGetValue("EvidenceDetails", out var evidence) && evidence.Length > 0)
            {
                try
                {
                    if (JsonNode.Parse(evidence)?["EvidenceDetails"] is JsonArray details)
                    {
                        attributes["recordedfuture_evidencedetails"] = new JsonArray([.. details.Select(static d => d?["Rule"]?.DeepClone())]);
                    }
                }
                catch (JsonException)
                {
                    report.Warning(line, $"{name}: EvidenceDetails is not JSON, left out");
                }
            }

            attributes["recordedfuture_entityurl"] = $"https://app.recordedfuture.com/live/sc/entity/{Entities[entity]}:{name}";
            if (IndicatorCheck.Normalize(name, attributes, _defaults, line, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }

    private static JsonObject Without(JsonObject config, string key)
    {
        var copy = (JsonObject)config.DeepClone();
        copy.Remove(key);
        return copy;
    }
}

/// <summary>
/// Proofpoint ET Intelligence reputation lists (MineMeld's <c>proofpoint.EmergingThreatsIP</c> and
/// <c>EmergingThreatsDomain</c>): lines <c>indicator,category,score,first_seen,last_seen,ports</c>. Rows of the
/// monitored categories scoring above <c>score_threshold</c> (50) are taken; the rows of one indicator are merged:
/// the highest score, the first first-seen and the last last-seen, every port and category name.
/// </summary>
public sealed class EtIntelligenceParser(JsonObject config, IReadOnlyCollection<long> categories, bool domains)
{
    /// <summary>ET Intelligence's category numbers (1-based) and their names.</summary>
    public static readonly IReadOnlyList<string> CategoryNames =
    [
        "CnC", "Bot", "Spam", "Drop", "SpywareCnC", "OnlineGaming", "DriveBySrc", "ChatServer", "TorNode", "Compromised", "P2P",
        "Proxy", "IPCheck", "Utility", "DDoSTarget", "Scanner", "Brute_Forcer", "FakeAV", "DynDNS", "Undesirable", "AbusedTLD",
        "SelfSignedSSL", "Blackhole", "RemoteAccessService", "P2PCnC", "Parking", "VPN", "EXE_Source", "Mobile_CnC",
        "Mobile_Spyware_CnC", "Skype_SuperNode", "Bitcoin_Related", "DDoSAttacker",
    ];

    private const string Prefix = "proofpoint_etintelligence_";
    private readonly long _threshold = JsonNodeValues.TryGetInt64(config["score_threshold"], out var t) ? t : 50;
    private readonly JsonObject _defaults = config["attributes"] as JsonObject ?? [];

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var merged = new SortedDictionary<string, (JsonObject Value, int Line)>(StringComparer.Ordinal);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var cells = line.Split(',');
            if (line.Length == 0 || cells[0] is "ip" or "domain")
            {
                continue;
            }

            if (cells.Length != 6
                || !long.TryParse(cells[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var category)
                || !long.TryParse(cells[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var score) || score is < 0 or > 127
                || !DateTimeOffset.TryParseExact(cells[3], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var firstSeen)
                || !DateTimeOffset.TryParseExact(cells[4], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lastSeen))
            {
                report.Error(number, "not indicator,category,score(0-127),first_seen,last_seen,ports");
                continue;
            }

            if (!categories.Contains(category) || score <= _threshold)
            {
                continue;
            }

            var name = category >= 1 && category <= CategoryNames.Count ? CategoryNames[(int)category - 1] : category.ToString(CultureInfo.InvariantCulture);
            var ports = cells[5].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!merged.TryGetValue(cells[0], out var held))
            {
                merged[cells[0]] = (new JsonObject
                {
                    [IndicatorValue.Type] = domains ? IndicatorTypes.Domain : IndicatorCheck.TryIpType(cells[0], out var ipType) ? ipType : IndicatorTypes.IPv4,
                    [Prefix + "max_score"] = score,
                    [Prefix + "first_seen"] = firstSeen.ToUnixTimeMilliseconds(),
                    [Prefix + "last_seen"] = lastSeen.ToUnixTimeMilliseconds(),
                    [Prefix + "ports"] = new JsonArray([.. ports.Select(static p => (JsonNode)p)]),
                    [Prefix + "categories"] = new JsonArray(name),
                }, number);
                continue;
            }

            var value = held.Value;
            value[Prefix + "max_score"] = Math.Max(score, value[Prefix + "max_score"]!.GetValue<long>());
            value[Prefix + "first_seen"] = Math.Min(firstSeen.ToUnixTimeMilliseconds(), value[Prefix + "first_seen"]!.GetValue<long>());
            value[Prefix + "last_seen"] = Math.Max(lastSeen.ToUnixTimeMilliseconds(), value[Prefix + "last_seen"]!.GetValue<long>());
            foreach (var port in ports)
            {
                value[Prefix + "ports"]!.AsArray().Add(port);
            }

            value[Prefix + "categories"]!.AsArray().Add(name);
        }

        foreach (var (text, (value, line)) in merged)
        {
            if (IndicatorCheck.Normalize(text, value, _defaults, line, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, value);
            }
        }
    }
}

/// <summary>
/// Line exports in MineMeld's format: ThreatQ's (<c>threatq.Export</c>, lines <c>type,indicator</c> with the types
/// <c>IP Address</c>, <c>CIDR Block</c>, <c>FQDN</c> and <c>URL</c>) and AutoFocus export lists
/// (<c>autofocus.ExportList</c>: a JSON <c>exportList</c> of PAN-OS formatted entries, typed by their form).
/// </summary>
public static class ExportParsers
{
    public static IEnumerable<FeedItem> ThreatQ(TextReader reader, JsonObject defaults, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var number = 0;
        while (reader.ReadLine() is { } raw)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            var kind = comma < 0 ? line : line[..comma];
            var text = comma < 0 ? string.Empty : line[(comma + 1)..];
            string? type = kind switch
            {
                "IP Address" or "CIDR Block" => IndicatorCheck.TryIpType(text, out var ipType) ? ipType : null,
                "FQDN" => IndicatorTypes.Domain,
                "URL" => IndicatorTypes.Url,
                _ => null,
            };
            if (type is null)
            {
                report.Error(number, $"'{IndicatorCheck.Truncate(line)}' is not 'IP Address|CIDR Block|FQDN|URL,indicator'");
                continue;
            }

            var attributes = new JsonObject { [IndicatorValue.Type] = type };
            if (IndicatorCheck.Normalize(text, attributes, defaults, number, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }

    /// <summary>
    /// AutoFocus's export list: an address, network or range is IPv4/IPv6, an entry with a path or scheme a URL, any
    /// other a domain (MineMeld typed every non-address entry URL).
    /// </summary>
    public static IEnumerable<FeedItem> AutoFocus(TextReader reader, string label, JsonObject defaults, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        if (!IndicatorCheck.TryReadJson(reader, report, out var document))
        {
            yield break;
        }

        if (document?["exportList"] is not JsonArray list)
        {
            report.Fail(0, "no exportList: not an AutoFocus export answer");
            yield break;
        }

        var index = 0;
        foreach (var entry in list)
        {
            index++;
            if (!JsonNodeValues.TryGetString(entry, out var text) || text.Length == 0)
            {
                report.Error(0, $"export entry {index} is not a string");
                continue;
            }

            var type = Ranges.IPRangeParser.TryParse(text, out var range, out _)
                ? range.Family == Ranges.AddressFamilyKind.IPv6 ? IndicatorTypes.IPv6 : IndicatorTypes.IPv4
                : text.Contains('/', StringComparison.Ordinal) || text.Contains("://", StringComparison.Ordinal) ? IndicatorTypes.Url : IndicatorTypes.Domain;
            var attributes = new JsonObject { [IndicatorValue.Type] = type, ["autofocus_label"] = label };
            if (IndicatorCheck.Normalize(text, attributes, defaults, 0, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }

    /// <summary>
    /// VirusTotal Intelligence hunting notifications (<c>vt.Notifications</c>): each notification gives its md5, sha256
    /// and sha1, each with every other field of the notification as <c>vt_&lt;field&gt;</c>.
    /// </summary>
    public static IEnumerable<FeedItem> VirusTotalNotifications(TextReader reader, JsonObject defaults, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        if (!IndicatorCheck.TryReadJson(reader, report, out var document))
        {
            yield break;
        }

        if (document?["notifications"] is not JsonArray notifications)
        {
            report.Fail(0, "no notifications: not a VirusTotal notifications feed answer");
            yield break;
        }

        foreach (var notification in notifications.OfType<JsonObject>())
        {
            foreach (var hash in new[] { IndicatorTypes.Md5, IndicatorTypes.Sha256, IndicatorTypes.Sha1 })
            {
                if (!JsonNodeValues.TryGetString(notification[hash], out var value))
                {
                    continue;
                }

                var attributes = new JsonObject { [IndicatorValue.Type] = hash };
                foreach (var (field, node) in notification)
                {
                    if (field != hash)
                    {
                        attributes[$"vt_{field}"] = node?.DeepClone();
                    }
                }

                if (IndicatorCheck.Normalize(value, attributes, defaults, 0, report) is { } indicator)
                {
                    report.Item();
                    yield return new FeedItem(indicator, attributes);
                }
            }
        }
    }

    /// <summary>
    /// Another MineMeld's feed read as JSON sequences (<c>mm.JSONSEQMiner</c>: <c>?v=json-seq</c>, RFC 7464 records of
    /// <c>{"indicator", "value"}</c>): each record is an indicator with its value's attributes, the private ones left
    /// out.
    /// </summary>
    public static IEnumerable<FeedItem> JsonSequence(TextReader reader, JsonObject defaults, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var text = reader.ReadToEnd();
        var number = 0;
        foreach (var record in text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            number++;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(record);
            }
            catch (JsonException ex)
            {
                report.Error(number, $"record {number} is not JSON: {ex.Message}");
                continue;
            }

            if (!JsonNodeValues.TryGetString(node?["indicator"], out var text2) || text2.Length == 0)
            {
                report.Error(number, $"record {number} has no indicator");
                continue;
            }

            var attributes = new JsonObject();
            foreach (var (key, value) in node?["value"] as JsonObject ?? [])
            {
                if (!key.StartsWith('_'))
                {
                    attributes[key] = value?.DeepClone();
                }
            }

            if (IndicatorCheck.Normalize(text2, attributes, defaults, number, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }
}
