using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.UnitTests.Core.Miners;

public sealed class FeedParserTests
{
    private static JsonObject Config(string prototype)
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve(prototype, out var p, out _));
        return p.Config;
    }

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "fixtures", name));

    [Fact]
    public void DshieldFixtureGivesRangesWithTypedFields()
    {
        var report = new FeedParseReport();
        var items = new LineFeedParser(Config("dshield.block")).Parse(new StringReader(Fixture("dshield-block.txt")), report).ToList();
        Assert.Equal(5, items.Count);
        Assert.Equal(0, report.Errors);
        var first = items[0];
        Assert.Equal("61.240.144.0-61.240.144.255", first.Indicator);
        Assert.Equal("""{"dshield_nattacks":2342,"dshield_name":"EXAMPLE-IDC","dshield_country":"CN","dshield_email":"abuse@example.cn"}""", first.Attributes.ToJsonString());
        Assert.Equal("Example Networks LTD.", items[1].Attributes["dshield_name"]!.GetValue<string>());
    }

    [Fact]
    public void SpamhausFixtureGivesCidrsAndSkipsComments()
    {
        var report = new FeedParseReport();
        var items = new LineFeedParser(Config("spamhaus.DROP")).Parse(new StringReader(Fixture("spamhaus-drop.txt")), report).ToList();
        Assert.Equal(["1.10.16.0/20", "1.19.0.0/16", "2.57.122.0/24", "5.134.128.0/19", "31.24.81.0/24", "45.143.200.0/22"], items.Select(static i => i.Indicator));
        Assert.All(items, static i => Assert.Empty(i.Attributes));
    }

    [Fact]
    public void TorFixtureGivesEveryExitAddress()
    {
        var items = new LineFeedParser(Config("tor.exit_addresses")).Parse(new StringReader(Fixture("tor-exit-addresses.txt")), new FeedParseReport()).ToList();
        Assert.Equal(["162.247.74.201", "185.220.101.33", "185.220.101.34", "199.249.230.87"], items.Select(static i => i.Indicator));
    }

    [Fact]
    public void WithoutAnIndicatorRegexTheFirstTokenIsTheIndicatorAndCrLfLinesWork()
    {
        var report = new FeedParseReport();
        var items = new LineFeedParser(Config("blutmagie.tor_exit_nodes")).Parse(new StringReader("1.161.11.204\r\n  2.2.2.2 # note\r\n\r\n"), report).ToList();
        Assert.Equal(["1.161.11.204", "2.2.2.2"], items.Select(static i => i.Indicator));
    }

    [Fact]
    public void InvalidIndicatorsAreCountedWithTheirLineAndSkipped()
    {
        var report = new FeedParseReport();
        var text = "10.0.0.1\n999.1.1.1\n10.1.1.5/24\nnot-an-ip\n10.0.0.2\n";
        var items = new LineFeedParser(Config("blutmagie.tor_exit_nodes")).Parse(new StringReader(text), report).ToList();
        Assert.Equal(["10.0.0.1", "10.1.1.0/24", "10.0.0.2"], items.Select(static i => i.Indicator));
        Assert.Equal(2, report.Errors);
        Assert.Equal(1, report.Warnings);
        Assert.StartsWith("line 2: '999.1.1.1' is not a valid IPv4", report.ErrorSamples[0], StringComparison.Ordinal);
        Assert.StartsWith("line 3: host bits", report.WarningSamples[0], StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoreRegexIsAnchoredAtTheStartOfTheRawLine()
    {
        var config = JsonNode.Parse("""{"ignore_regex":"#","attributes":{"type":"IPv4"}}""")!.AsObject();
        var items = new LineFeedParser(config).Parse(new StringReader("# comment\n  # indented comment is not ignored\n1.2.3.4 # trailing\n"), new FeedParseReport()).ToList();
        Assert.Equal(["1.2.3.4"], items.Select(static i => i.Indicator));
    }

    [Fact]
    public void CsvWithFieldnamesGivesStringAttributes()
    {
        var report = new FeedParseReport();
        var csv = "# sslbl\n2026-11-22 10:00:00,1.2.3.4,443\n2026-11-22 11:00:00,5.6.7.8\nbad,line\n";
        var items = new CsvFeedParser(Config("sslabusech.ipblacklist")).Parse(new StringReader(csv), report).ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("""{"firstseen":"2026-11-22 10:00:00","port":"443"}""", items[0].Attributes.ToJsonString());
        Assert.Null(items[1].Attributes["port"]);
        Assert.True(items[1].Attributes.ContainsKey("port"));
        Assert.Equal(1, report.Errors);
    }

    [Fact]
    public void CsvHeaderRowQuotesAndDelimiters()
    {
        var config = JsonNode.Parse("""{"delimiter":";","skipinitialspace":true,"attributes":{"type":"domain"}}""")!.AsObject();
        var csv = "indicator; note\n\"evil.example\"; \"a; b \"\"quoted\"\"\"\n";
        var item = Assert.Single(new CsvFeedParser(config).Parse(new StringReader(csv), new FeedParseReport()));
        Assert.Equal("evil.example", item.Indicator);
        Assert.Equal("a; b \"quoted\"", item.Attributes["note"]!.GetValue<string>());
    }

    [Fact]
    public void AlienVaultHashDelimitedRows()
    {
        var items = new CsvFeedParser(Config("alienvault.reputation")).Parse(new StringReader("1.2.3.4#4#2#Scanning Host\n"), new FeedParseReport()).ToList();
        Assert.Equal("""{"alienvault_reliability":"4","alienvault_risk":"2","alienvault_type":"Scanning Host"}""", Assert.Single(items).Attributes.ToJsonString());
    }

    [Fact]
    public void JsonExtractorSelectsItemsAndPrefixesFields()
    {
        const string aws = """
            {"syncToken":"1","createDate":"2026-11-22-10-00-00","prefixes":[
              {"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON","network_border_group":"ap-northeast-2"},
              {"ip_prefix":"13.34.37.64/27","region":"ap-southeast-4","service":"EC2","network_border_group":"ap-southeast-4"},
              {"region":"eu-west-1","service":"AMAZON"}]}
            """;
        var report = new FeedParseReport();
        var items = new JsonFeedParser(Config("aws.AMAZON")).Parse(new StringReader(aws), report).ToList();
        var item = Assert.Single(items);
        Assert.Equal("3.5.140.0/22", item.Indicator);
        Assert.Equal("""{"aws_region":"ap-northeast-2","aws_service":"AMAZON"}""", item.Attributes.ToJsonString());
        Assert.Equal(1, report.Errors);
    }

    [Fact]
    public void JsonProjectionOfBareStrings()
    {
        var items = new JsonFeedParser(Config("fastly.ipv4")).Parse(new StringReader("""{"addresses":["23.235.32.0/20","43.249.72.0/22"]}"""), new FeedParseReport()).ToList();
        Assert.Equal(["23.235.32.0/20", "43.249.72.0/22"], items.Select(static i => i.Indicator));
    }

    [Fact]
    public void BrokenJsonIsOneErrorNotACrash()
    {
        var report = new FeedParseReport();
        Assert.Empty(new JsonFeedParser(Config("aws.AMAZON")).Parse(new StringReader("{\"prefixes\": [1, "), report));
        Assert.Equal(1, report.Errors);
        Assert.Contains("not JSON", report.ErrorSamples[0], StringComparison.Ordinal);
    }
}
