using System.Text.Json.Nodes;
using System.Xml.Linq;
using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.UnitTests.Core.Miners;

/// <summary>STIX 1.x packages as TAXII 1.1 servers (Soltra Edge, hailataxii, DHS AIS) send them.</summary>
public sealed class Stix1ParserTests
{
    private const string Namespaces = """
        xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="http://stix.mitre.org/Indicator-2"
        xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:cyboxCommon="http://cybox.mitre.org/common-2"
        xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2" xmlns:DomainNameObj="http://cybox.mitre.org/objects#DomainNameObject-1"
        xmlns:URIObj="http://cybox.mitre.org/objects#URIObject-2" xmlns:FileObj="http://cybox.mitre.org/objects#FileObject-2"
        xmlns:LinkObj="http://cybox.mitre.org/objects#LinkObject-1" xmlns:SocketAddressObj="http://cybox.mitre.org/objects#SocketAddressObject-1"
        xmlns:EmailMessageObj="http://cybox.mitre.org/objects#EmailMessageObject-2" xmlns:stixCommon="http://stix.mitre.org/common-1"
        xmlns:stixVocabs="http://stix.mitre.org/default_vocabularies-1" xmlns:ttp="http://stix.mitre.org/TTP-1"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:edge="http://soltra.com/"
        """;

    /// <summary>An abuse.ch package as hailataxii served it: observables at package level, indicators referring to them.</summary>
    private static readonly string AbuseCh = $"""
        <stix:STIX_Package {Namespaces} id="edge:Package-1" version="1.1.1" timestamp="2017-01-20T21:27:14.000000+00:00">
          <stix:Observables cybox_major_version="2" cybox_minor_version="1">
            <cybox:Observable id="edge:Observable-ip">
              <cybox:Object id="edge:Address-1">
                <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr" is_source="true">
                  <AddressObj:Address_Value condition="Equals">198.51.100.7</AddressObj:Address_Value>
                </cybox:Properties>
              </cybox:Object>
            </cybox:Observable>
            <cybox:Observable id="edge:Observable-v6">
              <cybox:Object><cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
                <AddressObj:Address_Value>2001:db8::7</AddressObj:Address_Value></cybox:Properties></cybox:Object>
            </cybox:Observable>
            <cybox:Observable id="edge:Observable-domain">
              <cybox:Object><cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType" type="FQDN">
                <DomainNameObj:Value condition="Equals">C2.Example.COM</DomainNameObj:Value></cybox:Properties></cybox:Object>
            </cybox:Observable>
            <cybox:Observable id="edge:Observable-or">
              <cybox:Observable_Composition operator="OR">
                <cybox:Observable idref="edge:Observable-url"/>
                <cybox:Observable idref="edge:Observable-domain"/>
              </cybox:Observable_Composition>
            </cybox:Observable>
            <cybox:Observable id="edge:Observable-url">
              <cybox:Object><cybox:Properties xsi:type="URIObj:URIObjectType" type="URL">
                <URIObj:Value condition="Equals">http://c2.example.com/gate.php</URIObj:Value></cybox:Properties></cybox:Object>
            </cybox:Observable>
          </stix:Observables>
          <stix:Indicators>
            <stix:Indicator id="edge:Indicator-ip" timestamp="2017-01-20T21:27:14+00:00" xsi:type="indicator:IndicatorType" version="2.1.1">
              <indicator:Title>ZeuS Tracker (online)</indicator:Title>
              <indicator:Type xsi:type="stixVocabs:IndicatorTypeVocab-1.1">IP Watchlist</indicator:Type>
              <indicator:Description>This IP address has been identified as malicious by zeustracker.abuse.ch</indicator:Description>
              <indicator:Observable idref="edge:Observable-ip"/>
              <indicator:Indicated_TTP><stixCommon:TTP idref="edge:ttp-zeus"/></indicator:Indicated_TTP>
              <indicator:Confidence><stixCommon:Value xsi:type="stixVocabs:HighMediumLowVocab-1.0">High</stixCommon:Value></indicator:Confidence>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-or" xsi:type="indicator:IndicatorType">
              <indicator:Description structuring_format="HTML5">&lt;b&gt;markup&lt;/b&gt;</indicator:Description>
              <indicator:Observable idref="edge:Observable-or"/>
              <indicator:Confidence><stixCommon:Value>Medium</stixCommon:Value></indicator:Confidence>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-v6" xsi:type="indicator:IndicatorType">
              <indicator:Observable idref="edge:Observable-v6"/>
              <indicator:Indicated_TTP><stixCommon:TTP><ttp:Title>Inline TTP title</ttp:Title></stixCommon:TTP></indicator:Indicated_TTP>
            </stix:Indicator>
          </stix:Indicators>
          <stix:TTPs>
            <stix:TTP id="edge:ttp-zeus" xsi:type="ttp:TTPType"><ttp:Title>ZeuS</ttp:Title><ttp:Description>ZeuS botnet C2</ttp:Description></stix:TTP>
          </stix:TTPs>
        </stix:STIX_Package>
        """;

    /// <summary>Inline observables: files with hashes, a socket address, a link, an e-mail address and message.</summary>
    private static readonly string Inline = $"""
        <stix:STIX_Package {Namespaces} id="edge:Package-2" timestamp="2017-01-21T08:00:00Z">
          <stix:Indicators>
            <stix:Indicator id="edge:Indicator-file">
              <indicator:Observable id="edge:Observable-file">
                <cybox:Object><cybox:Properties xsi:type="FileObj:FileObjectType"><FileObj:Hashes>
                  <cyboxCommon:Hash><cyboxCommon:Type xsi:type="cyboxVocabs:HashNameVocab-1.0">MD5</cyboxCommon:Type>
                    <cyboxCommon:Simple_Hash_Value>d41d8cd98f00b204e9800998ecf8427e</cyboxCommon:Simple_Hash_Value></cyboxCommon:Hash>
                  <cyboxCommon:Hash><cyboxCommon:Type>SHA256</cyboxCommon:Type>
                    <cyboxCommon:Simple_Hash_Value>e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</cyboxCommon:Simple_Hash_Value></cyboxCommon:Hash>
                </FileObj:Hashes></cybox:Properties></cybox:Object>
              </indicator:Observable>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-named-file">
              <indicator:Observable>
                <cybox:Object><cybox:Properties xsi:type="FileObj:FileObjectType"><FileObj:File_Name>invoice.pdf.exe</FileObj:File_Name><FileObj:Hashes>
                  <cyboxCommon:Hash><cyboxCommon:Type>MD5</cyboxCommon:Type><cyboxCommon:Simple_Hash_Value>0cc175b9c0f1b6a831c399e269772661</cyboxCommon:Simple_Hash_Value></cyboxCommon:Hash>
                </FileObj:Hashes></cybox:Properties></cybox:Object>
              </indicator:Observable>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-socket">
              <indicator:Observable>
                <cybox:Object><cybox:Properties xsi:type="SocketAddressObj:SocketAddressObjectType">
                  <SocketAddressObj:IP_Address category="ipv4-addr" is_source="false"><AddressObj:Address_Value>203.0.113.9##comma##203.0.113.10</AddressObj:Address_Value></SocketAddressObj:IP_Address>
                </cybox:Properties></cybox:Object>
              </indicator:Observable>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-link">
              <indicator:Observable><cybox:Object><cybox:Properties xsi:type="LinkObj:LinkObjectType" type="URL">
                <URIObj:Value>https://phish.example.net/login</URIObj:Value></cybox:Properties></cybox:Object></indicator:Observable>
            </stix:Indicator>
            <stix:Indicator id="edge:Indicator-mail">
              <indicator:Observable><cybox:Object><cybox:Properties xsi:type="AddressObj:AddressObjectType" category="e-mail">
                <AddressObj:Address_Value>billing@phish.example.net</AddressObj:Address_Value></cybox:Properties></cybox:Object></indicator:Observable>
              <indicator:Observable><cybox:Object><cybox:Properties xsi:type="EmailMessageObj:EmailMessageObjectType">
                <EmailMessageObj:Header><EmailMessageObj:Subject>Invoice</EmailMessageObj:Subject></EmailMessageObj:Header></cybox:Properties></cybox:Object></indicator:Observable>
            </stix:Indicator>
          </stix:Indicators>
        </stix:STIX_Package>
        """;

    [Fact]
    public void IndicatorsTakeTheirReferencedObservablesWithDescriptionConfidenceAndTtp()
    {
        var (items, report) = Parse(AbuseCh, "{prefix: hailataxii}");
        var byIndicator = items.ToDictionary(static i => i.Indicator, static i => i.Attributes);

        Assert.Equal(["198.51.100.7", "2001:db8::7", "c2.example.com", "http://c2.example.com/gate.php"], byIndicator.Keys.Order(StringComparer.Ordinal));
        var ip = byIndicator["198.51.100.7"];
        Assert.Equal("IPv4", Text(ip, "type"));
        Assert.Equal("inbound", Text(ip, "direction")); // is_source="true"
        Assert.Equal(80, ip["confidence"]!.GetValue<long>()); // High through the default map
        Assert.Equal("edge:Indicator-ip", Text(ip, "hailataxii_indicator"));
        Assert.Equal("edge:Observable-ip", Text(ip, "hailataxii_observable"));
        Assert.Equal("This IP address has been identified as malicious by zeustracker.abuse.ch", Text(ip, "hailataxii_indicator_description"));
        Assert.Equal("ZeuS botnet C2", Text(ip, "hailataxii_ttp"));

        // An IPv6 address under the ipv4-addr default category is told by the address itself.
        Assert.Equal("IPv6", Text(byIndicator["2001:db8::7"], "type"));
        Assert.Equal("Inline TTP title", Text(byIndicator["2001:db8::7"], "hailataxii_ttp"));

        // The OR composition gives each of its references, each with its own observable id; markup is not copied.
        var url = byIndicator["http://c2.example.com/gate.php"];
        Assert.Equal(("URL", "edge:Observable-url", 60L), (Text(url, "type"), Text(url, "hailataxii_observable"), url["confidence"]!.GetValue<long>()));
        Assert.False(url.ContainsKey("hailataxii_indicator_description"));
        Assert.Equal("domain", Text(byIndicator["c2.example.com"], "type"));
        Assert.Equal(0, report.Errors);
    }

    [Fact]
    public void FilesSocketsLinksAndEmailAddressesAreRead()
    {
        var (items, report) = Parse(Inline, "{}", node: "aisfeed");
        var byIndicator = items.ToDictionary(static i => i.Indicator, static i => i.Attributes);

        // The strongest hash is the indicator, the others attributes under the prefix (the node's name by default).
        var sha256 = byIndicator["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"];
        Assert.Equal("sha256", Text(sha256, "type"));
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", Text(sha256, "aisfeed_md5"));
        var named = byIndicator["invoice.pdf.exe"];
        Assert.Equal(("file.name", "0cc175b9c0f1b6a831c399e269772661"), (Text(named, "type"), Text(named, "aisfeed_md5")));

        // A value list is one indicator per value; is_source="false" is outbound.
        Assert.Equal("outbound", Text(byIndicator["203.0.113.9"], "direction"));
        Assert.Equal("IPv4", Text(byIndicator["203.0.113.10"], "type"));
        Assert.Equal("URL", Text(byIndicator["https://phish.example.net/login"], "type"));
        Assert.Equal("email-addr", Text(byIndicator["billing@phish.example.net"], "type"));
        Assert.Equal(6, byIndicator.Count);

        // The e-mail message is no indicator type here: a warning that names it, not an error.
        Assert.Equal(0, report.Errors);
        Assert.Contains(report.WarningSamples, static w => w.Contains("EmailMessageObjectType", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferencesAcrossPackagesOfOnePollAreResolvedAndTheLatestTimestampKept()
    {
        // The indicator in one package, its observable in the next (Soltra sends them so).
        var indicators = $"""
            <stix:STIX_Package {Namespaces} timestamp="2017-01-22T00:00:00Z"><stix:Indicators>
              <stix:Indicator id="i1"><indicator:Observable idref="o1"/></stix:Indicator></stix:Indicators></stix:STIX_Package>
            """;
        var observables = $"""
            <stix:STIX_Package {Namespaces} timestamp="2017-01-21T00:00:00Z"><stix:Observables><cybox:Observable id="o1"><cybox:Object>
              <cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType"><DomainNameObj:Value>late.example.org</DomainNameObj:Value></cybox:Properties>
            </cybox:Object></cybox:Observable></stix:Observables></stix:STIX_Package>
            """;
        var parser = new Stix1Parser((JsonObject)JsonNode.Parse("{}")!, "n");
        var packages = parser.NewCollection();
        var report = new FeedParseReport();
        packages.AddPackage(XElement.Parse(indicators), report);
        packages.AddPackage(XElement.Parse(observables), report);

        var item = Assert.Single(packages.Items(report));
        Assert.Equal("late.example.org", item.Indicator);
        Assert.Equal(new DateTimeOffset(2017, 1, 22, 0, 0, 0, TimeSpan.Zero), packages.LastPackageTimestamp);
    }

    [Fact]
    public void OptionsChangeHowAddressesAndCompositionsAreRead()
    {
        var and = $"""
            <stix:STIX_Package {Namespaces}>
              <stix:Observables>
                <cybox:Observable id="a"><cybox:Object><cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv6-addr">
                  <AddressObj:Address_Value>192.0.2.1</AddressObj:Address_Value></cybox:Properties></cybox:Object></cybox:Observable>
                <cybox:Observable id="b"><cybox:Object><cybox:Properties xsi:type="AddressObj:AddressObjectType" category="asn">
                  <AddressObj:Address_Value>AS64500</AddressObj:Address_Value></cybox:Properties></cybox:Object></cybox:Observable>
                <cybox:Observable id="and"><cybox:Observable_Composition operator="AND">
                  <cybox:Observable idref="a"/><cybox:Observable idref="b"/></cybox:Observable_Composition></cybox:Observable>
              </stix:Observables>
              <stix:Indicators><stix:Indicator id="i"><indicator:Observable idref="and"/>
                <indicator:Confidence><stixCommon:Value>Low</stixCommon:Value></indicator:Confidence></stix:Indicator></stix:Indicators>
            </stix:STIX_Package>
            """;

        // By default an AND composition is refused, named; and an address is typed by its text.
        var (items, report) = Parse(and, "{}");
        Assert.Empty(items);
        Assert.Contains(report.ErrorSamples, static e => e.Contains("composition with AND operator", StringComparison.Ordinal));

        // Ignoring the operator reads both; without auto-detection the category decides (a v4 text under ipv6-addr
        // is then refused as an IPv6 indicator, an unknown category is named), and the confidence map is the config's.
        (items, report) = Parse(and, "{ignore_composition_operator: true, ip_version_auto_detect: false, confidence_map: {low: 15}}");
        Assert.Empty(items);
        Assert.Contains(report.ErrorSamples, static e => e.Contains("is not a valid IPv6", StringComparison.Ordinal));
        Assert.Contains(report.ErrorSamples, static e => e.Contains("category 'asn'", StringComparison.Ordinal));

        var low = and.Replace("category=\"ipv6-addr\"", "category=\"ipv4-addr\"", StringComparison.Ordinal);
        (items, _) = Parse(low, "{ignore_composition_operator: true, ip_version_auto_detect: false, confidence_map: {low: 15}}");
        var item = Assert.Single(items);
        Assert.Equal(("192.0.2.1", 15L), (item.Indicator, item.Attributes["confidence"]!.GetValue<long>()));
    }

    [Fact]
    public void ObservablesWithoutIndicatorsAreTakenOnlyWhenAskedTo()
    {
        var bare = $"""
            <stix:STIX_Package {Namespaces}><stix:Observables>
              <cybox:Observable id="o"><cybox:Object><cybox:Properties xsi:type="URIObj:URIObjectType"><URIObj:Value>http://bare.example/x</URIObj:Value></cybox:Properties></cybox:Object></cybox:Observable>
            </stix:Observables></stix:STIX_Package>
            """;
        var (items, report) = Parse(bare, "{}");
        Assert.Empty(items);
        Assert.Contains(report.WarningSamples, static w => w.Contains("create_fake_indicator", StringComparison.Ordinal));

        (items, _) = Parse(bare, "{create_fake_indicator: true}", node: "dhs");
        var item = Assert.Single(items);
        Assert.Equal(("http://bare.example/x", "o"), (item.Indicator, Text(item.Attributes, "dhs_observable")));
    }

    private static (List<FeedItem> Items, FeedParseReport Report) Parse(string package, string config, string node = "node")
    {
        var parser = new Stix1Parser((JsonObject)Minemeld.Streams.Core.Yaml.YamlDocument.Parse(config, "config").Root!, node);
        var packages = parser.NewCollection();
        var report = new FeedParseReport();
        packages.AddPackage(XElement.Parse(package), report);
        return ([.. packages.Items(report)], report);
    }

    private static string Text(JsonObject attributes, string key) => attributes[key]!.GetValue<string>();
}
