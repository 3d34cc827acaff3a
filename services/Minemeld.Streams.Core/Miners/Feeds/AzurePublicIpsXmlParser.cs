using System.Text.Json.Nodes;
using System.Xml;
using Minemeld.Streams.Core.Indicators;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's <c>AzureXML</c>: Microsoft's former "Azure Datacenter IP Ranges" document,
/// <c>AzurePublicIpAddresses/Region[@Name]/IpRange[@Subnet]</c>. Every subnet is an indicator (IPv4, or IPv6 when the
/// subnet is one) with confidence 100 and its region as <c>azure_region</c>; a subnet listed by two regions keeps the
/// last. Microsoft replaced the document with the service tags (<c>AzureJSON</c>) in 2018 and stopped publishing it
/// in 2020; the class stays for graphs that point <c>url</c> at a copy.
/// </summary>
public sealed class AzurePublicIpsXmlParser(JsonObject config)
{
    /// <summary>The download page MineMeld read.</summary>
    public const string DefaultUrl = "https://www.microsoft.com/EN-US/DOWNLOAD/confirmation.aspx?id=41653";

    private readonly JsonObject _defaults = config["attributes"] as JsonObject ?? [];

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var items = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        try
        {
            using var xml = XmlReader.Create(reader, settings);
            var info = (IXmlLineInfo)xml;
            if (!xml.ReadToFollowing("AzurePublicIpAddresses"))
            {
                report.Fail(info.LineNumber, "no <AzurePublicIpAddresses> element: not an Azure datacenter IP ranges document");
                return [];
            }

            string? region = null;
            while (xml.Read())
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                switch (xml.Depth, xml.LocalName)
                {
                    case (1, "Region"):
                        region = xml.GetAttribute("Name");
                        break;
                    case (2, "IpRange"):
                        var line = info.LineNumber;
                        var subnet = xml.GetAttribute("Subnet")?.Trim();
                        if (string.IsNullOrEmpty(subnet) || !IndicatorCheck.TryIpType(subnet, out var type))
                        {
                            report.Error(line, $"region {region}: IpRange Subnet '{IndicatorCheck.Truncate(subnet ?? "(none)")}' is not an IP network");
                            break;
                        }

                        var attributes = new JsonObject { [IndicatorValue.Type] = type, ["confidence"] = 100, ["azure_region"] = region };
                        if (IndicatorCheck.Normalize(subnet, attributes, _defaults, line, report) is { } indicator)
                        {
                            if (!items.ContainsKey(indicator))
                            {
                                report.Item();
                            }

                            items[indicator] = attributes;
                        }

                        break;
                }
            }
        }
        catch (XmlException ex)
        {
            report.Fail(ex.LineNumber, $"not XML: {ex.Message}");
            return [];
        }

        return [.. items.Select(static pair => new FeedItem(pair.Key, pair.Value))];
    }
}
