using System.Text.Json.Nodes;
using System.Xml;
using Minemeld.Streams.Core.Indicators;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's <c>O365XML</c>: Microsoft's Office 365 address document, <c>products/product[@name]</c>, each with
/// <c>addresslist[@type]</c> lists (IPv4, IPv6, URL) of <c>address</c> elements. The <c>products</c> config selects
/// products by name, ignoring case; an empty or absent list takes every product of the document. An address listed
/// under several products is one indicator. Each indicator gets its list's type and confidence 100, under the
/// config's <c>attributes</c>.
/// </summary>
/// <remarks>
/// Microsoft stopped publishing this document in 2018 (the endpoints web service, <c>O365API</c>, replaced it); the
/// class stays for graphs that point <c>url</c> at a mirror or an archived copy.
/// </remarks>
public sealed class O365XmlParser
{
    /// <summary>Where MineMeld read the document when no <c>url</c> is configured.</summary>
    public const string DefaultUrl = "https://support.content.office.net/en-us/static/O365IPAddresses.xml";

    private static readonly Dictionary<string, string> ListTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["IPv4"] = IndicatorTypes.IPv4,
        ["IPv6"] = IndicatorTypes.IPv6,
        ["URL"] = IndicatorTypes.Url,
    };

    private readonly HashSet<string>? _products;
    private readonly JsonObject _defaults;

    public O365XmlParser(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _products = config["products"] is JsonArray { Count: > 0 } products
            ? new HashSet<string>(products.Select(static p => p?.ToString() ?? string.Empty), StringComparer.OrdinalIgnoreCase)
            : null;
        _defaults = config["attributes"] as JsonObject ?? [];
    }

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var found = new List<(string Address, string Type, int Line)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        try
        {
            using var xml = XmlReader.Create(reader, settings);
            var info = (IXmlLineInfo)xml;
            if (!xml.ReadToFollowing("products"))
            {
                report.Fail(info.LineNumber, "no <products> element: not an Office 365 address document");
                return [];
            }

            string? product = null;
            string? listType = null;
            xml.Read();
            while (!xml.EOF)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    xml.Read();
                    continue;
                }

                switch (xml.Depth, xml.LocalName)
                {
                    case (1, "product"):
                        product = xml.GetAttribute("name");
                        listType = null;
                        break;
                    case (2, "addresslist"):
                        listType = xml.GetAttribute("type");
                        break;
                    case (3, "address") when product is not null && (_products is null || _products.Contains(product)):
                        var line = info.LineNumber;
                        // Reading the content moves past the element's end: the loop goes on from there, not Read().
                        var address = xml.ReadElementContentAsString().Trim();
                        if (listType is null || !ListTypes.TryGetValue(listType, out var type))
                        {
                            report.Error(line, $"product {product}: address list type '{listType}' is not IPv4, IPv6 or URL");
                        }
                        else if (address.Length > 0 && seen.Add(address))
                        {
                            found.Add((address, type, line));
                        }

                        continue;
                }

                xml.Read();
            }
        }
        catch (XmlException ex)
        {
            // Nothing of a broken document is taken, and the poll fails: a half-read list would withdraw the rest.
            report.Fail(ex.LineNumber, $"not XML: {ex.Message}");
            return [];
        }

        return Items(found, report);
    }

    private IEnumerable<FeedItem> Items(List<(string Address, string Type, int Line)> found, FeedParseReport report)
    {
        foreach (var (address, type, line) in found)
        {
            var attributes = new JsonObject { [IndicatorValue.Type] = type, ["confidence"] = 100 };
            if (IndicatorCheck.Normalize(address, attributes, _defaults, line, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }
}
