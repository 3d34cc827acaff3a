using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.IntegrationTests.Fixtures;

using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's source classes beyond the plain line, CSV and JSON miners, each polled from a real HTTP server serving
/// its source's format, its indicators read back from its Kafka topic.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SourceClassTests(KafkaFixture kafka, RedisFixture redis)
{
    /// <summary>Office 365's address document as Microsoft published it: products, typed address lists.</summary>
    private const string O365Document = """
        <?xml version="1.0" encoding="utf-8"?>
        <products updated="4/19/2018">
          <product name="o365">
            <addresslist type="IPv6">
              <address>2603:1006:1400::/40</address>
            </addresslist>
            <addresslist type="IPv4">
              <address>13.80.125.22/32</address>
              <address>13.107.6.152/31</address>
            </addresslist>
            <addresslist type="URL">
              <address>*.aadrm.com</address>
              <address>portal.office.com</address>
            </addresslist>
          </product>
          <product name="EXO">
            <addresslist type="IPv4">
              <address>13.107.6.152/31</address>
              <address>40.92.0.0/15</address>
            </addresslist>
            <addresslist type="URL">
              <address>*.outlook.com</address>
            </addresslist>
          </product>
          <product name="Teams">
            <addresslist type="IPv4">
              <address>52.112.0.0/14</address>
            </addresslist>
          </product>
        </products>
        """;

    [Fact]
    public async Task O365XmlTakesTheConfiguredProductsIgnoringCaseAndEachAddressOnce()
    {
        var seen = await PollO365Async("o365x", "products: [exo, O365], attributes: {share_level: green}", expected: 7);

        // o365 and EXO, not Teams; 13.107.6.152/31 is listed by both and published once.
        Assert.Equal(
            ["*.aadrm.com", "*.outlook.com", "13.107.6.152/31", "13.80.125.22", "2603:1006:1400::/40", "40.92.0.0/15", "portal.office.com"],
            seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
        Assert.All(seen, static m => Assert.Equal(MessageOp.Update, m.Op));
        var types = seen.ToDictionary(static m => m.Indicator, static m => m.Value!["type"]!.GetValue<string>());
        Assert.Equal("IPv6", types["2603:1006:1400::/40"]);
        Assert.Equal("IPv4", types["40.92.0.0/15"]);
        Assert.Equal("URL", types["*.outlook.com"]);
        Assert.All(seen, static m => Assert.Equal(100L, m.Value!["confidence"]!.GetValue<long>()));
        Assert.All(seen, static m => Assert.Equal("green", m.Value!["share_level"]!.GetValue<string>()));
    }

    [Fact]
    public async Task O365XmlWithoutProductsTakesEveryProduct()
    {
        var seen = await PollO365Async("o365all", "products: []", expected: 8);
        Assert.Contains("52.112.0.0/14", seen.Select(static m => m.Indicator));
        Assert.Equal(8, seen.Select(static m => m.Indicator).Distinct().Count());
    }

    [Fact]
    public async Task ABrokenDocumentFailsThePollAndWithdrawsNothing()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/o365.xml", O365Document);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "o365bad",
            $"{{class: minemeld.ft.o365.O365XML, output: true, config: {{url: '{server.Url("/o365.xml")}', products: [Teams], num_retries: 2}}}}");
        using var miner = graph.Replica(QuickRetries);
        await PolledAsync(miner);

        // Cut off in the middle, as a proxy or a full disk leaves it.
        server.Set("/o365.xml", O365Document[..(O365Document.Length / 2)]);
        await PollFailsAsync(miner, "not XML", "o365.xml");
        Assert.Equal(0, miner.Poller.Counters.WithdrawTx);
        Assert.Equal(2, server.Requests["/o365.xml"] - 1); // both attempts made

        // A wrongly sent withdraw gets two seconds to show up.
        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 1, settle: TimeSpan.FromSeconds(2));
        Assert.Equal([("52.112.0.0/14", MessageOp.Update)], seen.Select(static m => (m.Indicator, m.Op)));
    }

    [Fact]
    public async Task AJsonDocumentThatIsNotJsonFailsThePollAndWithdrawsNothing()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/ranges.json", """{"prefixes": [{"ip_prefix": "198.51.100.0/24"}]}""");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "jsonbad",
            $"{{class: minemeld.ft.json.SimpleJSON, output: true, config: {{url: '{server.Url("/ranges.json")}', extractor: prefixes, indicator: ip_prefix, num_retries: 1, attributes: {{type: IPv4}}}}}}");
        using var miner = graph.Replica(QuickRetries);
        await PolledAsync(miner);
        Assert.Equal(1, miner.Poller.Counters.UpdateTx);

        server.Set("/ranges.json", "<html><body>502 Bad Gateway</body></html>");
        await PollFailsAsync(miner, "not JSON");
        Assert.Equal(0, miner.Poller.Counters.WithdrawTx);
    }

    [Fact]
    public async Task O365ApiReadsTheEndpointsOnlyWhenTheServiceHasANewerVersion()
    {
        // The web service's answers, in its format: a version, and endpoint sets with urls and ips.
        const string Optimize = """
            {"id": 1, "serviceArea": "Exchange", "serviceAreaDisplayName": "Exchange Online", "urls": ["outlook.office.com", "outlook.office365.com"],
             "ips": ["13.107.6.152/31", "2603:1006::/40"], "tcpPorts": "80,443", "expressRoute": true, "category": "Optimize", "required": true}
            """;
        const string Allow = """
            {"id": 2, "serviceArea": "Exchange", "urls": ["*.protection.outlook.com"], "ips": ["40.92.0.0/15"], "tcpPorts": "443",
             "expressRoute": true, "category": "Allow", "required": true}
            """;
        const string Integration = """
            {"id": 3, "serviceArea": "Common", "urls": ["*.example-partner.com"], "tcpPorts": "443", "expressRoute": false, "category": "Default",
             "required": false, "notes": "Third party integration: allows the partner's add-in"}
            """;
        var endpoints = $"[{Optimize}, {Allow}, {Integration}]";
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/version/Worldwide", """{"instance": "Worldwide", "latest": "2026110100"}""");
        server.Set("/endpoints/Worldwide", endpoints);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "o365api",
            $"{{class: minemeld.ft.o365.O365API, output: true, config: {{url: '{server.BaseUrl}', instance: Worldwide, service_areas: [Exchange, Common], disable_integrations: true, attributes: {{confidence: 100}}}}}}");
        using var miner = graph.Replica(QuickRetries);

        await PolledAsync(miner);
        var query = server.LastQueries["/endpoints/Worldwide"];
        Assert.Contains($"clientrequestid={Hosting.Nodes.Miners.O365ApiSource.ClientRequestId(graph.Name, "miner")}", query, StringComparison.Ordinal);
        Assert.Contains("serviceareas=Exchange%2CCommon", query, StringComparison.Ordinal);
        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 6);
        Assert.Equal(
            ["*.protection.outlook.com", "13.107.6.152/31", "2603:1006::/40", "40.92.0.0/15", "outlook.office.com", "outlook.office365.com"],
            seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
        var exchange = seen.Single(static m => m.Indicator == "13.107.6.152/31").Value!;
        Assert.Equal("IPv4", exchange["type"]!.GetValue<string>());
        Assert.Equal("Exchange", exchange["o365_serviceArea"]!.GetValue<string>());
        Assert.Equal("Optimize", exchange["o365_category"]!.GetValue<string>());
        Assert.Equal("80,443", exchange["o365_tcpPorts"]!.GetValue<string>());
        Assert.True(exchange["o365_expressRoute"]!.GetValue<bool>());
        Assert.Equal("IPv6", seen.Single(static m => m.Indicator == "2603:1006::/40").Value!["type"]!.GetValue<string>());

        // The same version: the endpoints are not read again, and nothing changes.
        await PolledAsync(miner);
        Assert.Equal(2, server.Requests["/version/Worldwide"]);
        Assert.Equal(1, server.Requests["/endpoints/Worldwide"]);
        Assert.Equal(0, miner.Poller.Counters.WithdrawTx);

        // A newer version without the second set: read, and its indicators withdrawn.
        server.Set("/version/Worldwide", """{"instance": "Worldwide", "latest": "2026120100"}""");
        server.Set("/endpoints/Worldwide", $"[{Optimize}, {Integration}]");
        await PolledAsync(miner);
        Assert.Equal(2, server.Requests["/endpoints/Worldwide"]);
        Assert.Equal(2, miner.Poller.Counters.WithdrawTx);
    }

    [Fact]
    public async Task AzureJsonFollowsTheDownloadPageAndMergesTheTagsOfAPrefix()
    {
        // The download page as Microsoft serves it (trimmed), and the weekly document in its format.
        const string Tags = """
            {"changeNumber": 310, "cloud": "Public", "values": [
              {"name": "ActionGroup", "id": "ActionGroup", "properties": {"changeNumber": 40, "region": "", "regionId": 0, "platform": "Azure",
               "systemService": "ActionGroup", "addressPrefixes": ["13.66.60.119/32", "2603:1030:c06:400::/64"], "networkFeatures": ["API", "NSG"]}},
              {"name": "AzureCloud.westeurope", "id": "AzureCloud.westeurope", "properties": {"changeNumber": 77, "region": "westeurope", "regionId": 18,
               "platform": "Azure", "systemService": "", "addressPrefixes": ["13.69.0.0/17", "13.66.60.119/32"]}}
            ]}
            """;
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/download/ServiceTags_Public_20261130.json", Tags);
        server.Set("/en-us/download/confirmation.aspx", $$"""
            <!DOCTYPE html><html><head><title>Download Azure IP Ranges and Service Tags – Public Cloud</title></head>
            <body><div class="start-download"><a href="{{server.Url("/download/ServiceTags_Public_20261130.json")}}" class="mscom-link failoverLink"
            data-bi-cN="click here to download manually">click here to download manually</a></div></body></html>
            """);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "azure",
            $"{{class: minemeld.ft.azure.AzureJSON, output: true, config: {{url: '{server.Url("/en-us/download/confirmation.aspx")}', attributes: {{confidence: 100}}}}}}");
        using var miner = graph.Replica(QuickRetries);

        await PolledAsync(miner);

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 3).ToDictionary(static m => m.Indicator, static m => m.Value!);
        Assert.Equal(["13.66.60.119", "13.69.0.0/17", "2603:1030:c06:400::/64"], seen.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("IPv6", seen["2603:1030:c06:400::/64"]["type"]!.GetValue<string>());
        var shared = seen["13.66.60.119"];
        Assert.Equal("AzureCloud.westeurope", shared["azure_name"]!.GetValue<string>()); // the last tag listing it
        Assert.Equal(["actiongroup", "azurecloud.westeurope"], shared["azure_name_list"]!.AsArray().Select(static v => v!.GetValue<string>()));
        Assert.Equal(["", "westeurope"], shared["azure_region_list"]!.AsArray().Select(static v => v!.GetValue<string>()));

        // A page that no longer links the document: the poll fails and says why; nothing is withdrawn.
        server.Set("/en-us/download/confirmation.aspx", "<html><body><p>This download is no longer available.</p></body></html>");
        await PollFailsAsync(miner, "no link to the document", "ServiceTags_*.json");
        Assert.Equal(0, miner.Poller.Counters.WithdrawTx);
    }

    [Fact]
    public async Task AzureXmlReadsTheRegionsOfTheDatacenterDocumentBehindItsDownloadPage()
    {
        // The former datacenter IP ranges document, in its format (trimmed).
        const string Regions = """
            <?xml version="1.0" encoding="utf-8"?>
            <AzurePublicIpAddresses xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <Region Name="europewest">
                <IpRange Subnet="13.69.0.0/17" />
                <IpRange Subnet="40.68.0.0/16" />
              </Region>
              <Region Name="useast">
                <IpRange Subnet="13.68.128.0/17" />
                <IpRange Subnet="not-a-subnet" />
              </Region>
            </AzurePublicIpAddresses>
            """;
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/download/PublicIPs_20200824.xml", Regions);
        server.Set("/download/confirmation.aspx", $$"""
            <html><body><a href="/download/details.aspx">details</a>
            <a href="{{server.Url("/download/PublicIPs_20200824.xml")}}">click here to download manually</a></body></html>
            """);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "azurexml",
            $"{{class: minemeld.ft.azure.AzureXML, output: true, config: {{url: '{server.Url("/download/confirmation.aspx")}', attributes: {{share_level: green}}}}}}");
        using var miner = graph.Replica(QuickRetries);

        await PolledAsync(miner);

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 3).ToDictionary(static m => m.Indicator, static m => m.Value!);
        Assert.Equal(["13.68.128.0/17", "13.69.0.0/17", "40.68.0.0/16"], seen.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("europewest", seen["40.68.0.0/16"]["azure_region"]!.GetValue<string>());
        Assert.Equal("useast", seen["13.68.128.0/17"]["azure_region"]!.GetValue<string>());
        Assert.All(seen.Values, static v => Assert.Equal(100L, v["confidence"]!.GetValue<long>()));
        Assert.Equal(1, miner.Poller.Counters.ParseErrors); // the bad subnet, named in the status
        Assert.Contains("not-a-subnet", miner.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AusCertSendsTheMembersKeyFromTheSideConfigAndReadsItAgainAtEachPoll()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/download.html", "# AusCERT malicious URL feed\nhttp://phish.example.com/login\nhttps://malware.example.net/x.exe\n");
        server.RequireHeader("/download.html", "API-Key", "member-key-1");
        var directory = Directory.CreateTempSubdirectory("auscert-").FullName;
        try
        {
            using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "auscert",
                $"{{class: minemeld.ft.auscert.MaliciousURLFeed, output: true, config: {{url: '{server.Url("/download.html")}', ignore_regex: '^#', num_retries: 1, attributes: {{type: URL, confidence: 80}}}}}}");
            using var miner = graph.Replica(new MinerRunOptions { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = directory });

            // No key anywhere: refused before any request, saying where the key goes.
            await PollFailsAsync(miner, "no API key", "miner_side_config.yml");
            Assert.False(server.Requests.ContainsKey("/download.html"));

            // A wrong key: the source's 403, with the hint.
            var sideConfig = Path.Combine(directory, "miner_side_config.yml");
            await File.WriteAllTextAsync(sideConfig, "api_key: wrong\n", TestContext.Current.CancellationToken);
            await PollFailsAsync(miner, "403", "API key");

            // The right key, changed in the file without a restart.
            await File.WriteAllTextAsync(sideConfig, "api_key: member-key-1\n", TestContext.Current.CancellationToken);
            await PolledAsync(miner);
            Assert.Equal("member-key-1", server.LastHeaders["/download.html"]["API-Key"]);
            var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 2);
            Assert.Equal(["http://phish.example.com/login", "https://malware.example.net/x.exe"], seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
            Assert.All(seen, static m => Assert.Equal("URL", m.Value!["type"]!.GetValue<string>()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task BambenekMinerIsMineMeldsCsvUnderItsOwnName()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/c2-dommasterlist-high.txt", """
            #############################################################
            ## Master Feed of known, active and non-sinkholed C&Cs domain
            #############################################################
            bad-c2.example.com,Domain used by examplebot,2026-12-06 12:00,http://osint.example.org/manual/examplebot.txt
            other-c2.example.net,Domain used by samplebot,2026-12-06 12:00,http://osint.example.org/manual/samplebot.txt
            """);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "bambenek",
            $"{{class: minemeld.ft.bambenek.Miner, output: true, config: {{url: '{server.Url("/c2-dommasterlist-high.txt")}', ignore_regex: '^#', "
            + "fieldnames: [indicator, bambenekconsulting_description, bambenekconsulting_date, bambenekconsulting_info], attributes: {type: domain, confidence: 90}}}");
        using var miner = graph.Replica(QuickRetries);

        await PolledAsync(miner);

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 2).OrderBy(static m => m.Indicator, StringComparer.Ordinal).ToList();
        Assert.Equal(["bad-c2.example.com", "other-c2.example.net"], seen.Select(static m => m.Indicator));
        Assert.Equal("Domain used by examplebot", seen[0].Value!["bambenekconsulting_description"]!.GetValue<string>());
        Assert.Equal("domain", seen[0].Value!["type"]!.GetValue<string>());
    }

    /// <summary>Serves <see cref="O365Document"/>, polls an O365XML miner with the config given, reads its topic.</summary>
    private async Task<List<IndicatorMessage>> PollO365Async(string prefix, string config, int expected)
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/o365.xml", O365Document);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, prefix,
            $"{{class: minemeld.ft.o365.O365XML, output: true, config: {{url: '{server.Url("/o365.xml")}', {config}}}}}");
        using var miner = graph.Replica(QuickRetries);
        await PolledAsync(miner);
        return PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected);
    }
}
