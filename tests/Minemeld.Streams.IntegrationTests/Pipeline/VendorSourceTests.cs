using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Net;
using System.Text.Json.Nodes;
using ARSoft.Tools.Net.Dns;
using Minemeld.Streams.IntegrationTests.Fixtures;
using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's vendor miners whose services have a documented format: each polled from a real server (HTTP, or DNS)
/// answering in that service's format, with the secret from the node's side config, its indicators read back from
/// its Kafka topic.
/// </summary>
[Trait("Category", "Integration")]
public sealed class VendorSourceTests(KafkaFixture kafka, RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vendor-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RecordedFutureRiskListsSendTheTokenAndScaleTheRiskIntoConfidence()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        // The Connect API's csv/splunk risk list (EvidenceDetails is JSON in a quoted cell).
        server.Set("/v2/ip/risklist", """
            "Name","Risk","RiskString","EvidenceDetails"
            "203.0.113.66","89","4/64","{""EvidenceDetails"": [{""Rule"": ""Current C&C Server"", ""Criticality"": 4}, {""Rule"": ""Historical Spam Source"", ""Criticality"": 1}]}"
            "2001:db8::66","25","1/64","{""EvidenceDetails"": [{""Rule"": ""Historically Linked to Intrusion Method""}]}"
            "not-an-ip","90","1/64",""
            """);
        server.RequireHeader("/v2/ip/risklist", "X-RFToken", "rf-token-1");
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "token: rf-token-1\n", TestContext.Current.CancellationToken);
        var seen = await PollAsync("rfip", $"{{class: minemeld.ft.recordedfuture.IPRiskList, output: true, config: {{url: '{server.BaseUrl}/', confidence: 80}}}}", expected: 2);

        Assert.Equal("format=csv/splunk", server.LastQueries["/v2/ip/risklist"].TrimStart('?'));
        var c2 = seen["203.0.113.66"];
        Assert.Equal(("IPv4", 89L, 71L), (Text(c2, "type"), c2["recordedfuture_risk"]!.GetValue<long>(), c2["confidence"]!.GetValue<long>()));
        Assert.Equal(["Current C&C Server", "Historical Spam Source"], c2["recordedfuture_evidencedetails"]!.AsArray().Select(static r => r!.GetValue<string>()));
        Assert.Equal("https://app.recordedfuture.com/live/sc/entity/ip:203.0.113.66", Text(c2, "recordedfuture_entityurl"));
        Assert.Equal(["recordedfuture.iprisklist"], c2["sources"]!.AsArray().Select(static s => s!.GetValue<string>())); // the class's source name
        Assert.Equal("IPv6", Text(seen["2001:db8::66"], "type"));
    }

    [Fact]
    public async Task RecordedFutureMasterRiskListReadsTheFusionFileOfItsEntity()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/v2/fusion/files/", """
            "Name","Algorithm","Risk","RiskString","EvidenceDetails"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","SHA-256","95","3/14",""
            "d41d8cd98f00b204e9800998ecf8427e","MD5","60","1/14",""
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "token: t\nentity: hash\napi: fusion\n", TestContext.Current.CancellationToken);
        var seen = await PollAsync("rfmaster", $"{{class: minemeld.ft.recordedfuture.MasterRiskList, output: true, config: {{url: '{server.BaseUrl}/'}}}}", expected: 2);

        Assert.Contains("path=%2Fpublic%2Frisklists%2Fdefault_hash_risklist.csv", server.LastQueries["/v2/fusion/files/"], StringComparison.Ordinal);
        Assert.Equal(("sha256", "SHA-256"), (Text(seen["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"], "type"), Text(seen["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"], "recordedfuture_algorithm")));
        Assert.Equal("md5", Text(seen["d41d8cd98f00b204e9800998ecf8427e"], "type"));
    }

    [Fact]
    public async Task ProofpointEtIntelligenceTakesTheMonitoredCategoriesAboveTheThresholdAndMergesRows()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/AUTHCODE42/reputation/detailed-iprepdata.txt", """
            ip,category,score,first_seen,last_seen,ports (|)
            198.51.100.1,1,127,2016-03-01,2026-12-01,443
            198.51.100.1,16,80,2015-06-01,2026-12-05,22 2222
            198.51.100.2,1,50,2026-01-01,2026-12-01,80
            198.51.100.3,3,120,2026-01-01,2026-12-01,25
            198.51.100.4,notanumber,120,2026-01-01,2026-12-01,25
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "auth_code: AUTHCODE42\nmonitored_categories: [1, 16]\n", TestContext.Current.CancellationToken);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "etintel",
            $"{{class: minemeld.ft.proofpoint.EmergingThreatsIP, output: true, config: {{url: '{server.BaseUrl}/'}}}}");
        using var miner = graph.Replica(Options());
        await PolledAsync(miner);

        // 198.51.100.2 scores 50 (not above the threshold), .3 is in an unmonitored category, .4 is malformed.
        var value = Assert.Single(PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 1)).Value!;
        Assert.Equal(127, value["proofpoint_etintelligence_max_score"]!.GetValue<long>());
        Assert.Equal(["CnC", "Scanner"], value["proofpoint_etintelligence_categories"]!.AsArray().Select(static c => c!.GetValue<string>()));
        Assert.Equal(["443", "22", "2222"], value["proofpoint_etintelligence_ports"]!.AsArray().Select(static c => c!.GetValue<string>()));
        Assert.Equal(new DateTimeOffset(2015, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), value["proofpoint_etintelligence_first_seen"]!.GetValue<long>());
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), value["proofpoint_etintelligence_last_seen"]!.GetValue<long>());
        Assert.Equal(1, miner.Poller.Counters.ParseErrors);

        // The auth code is in the URL's path: a failure never shows it.
        server.Set("/AUTHCODE42/reputation/detailed-iprepdata.txt", "unavailable", status: 503);
        await PollFailsAsync(miner, "503", "<auth_code>");
        Assert.DoesNotContain("AUTHCODE42", miner.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoFocusExportListIsPostedWithTheKeyAndLabelAndTypedByForm()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/api/v1.0/export", """{"exportList": ["203.0.113.9", "198.51.100.0/24", "evil.example.com", "evil.example.com/download/x.exe"]}""");
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "api_key: af-key\nlabel: MineMeld Export\n", TestContext.Current.CancellationToken);
        var seen = await PollAsync("autofocus", $"{{class: minemeld.ft.autofocus.ExportList, output: true, config: {{url: '{server.BaseUrl}/'}}}}", expected: 4);

        var body = JsonNode.Parse(server.LastBodies["/api/v1.0/export"])!;
        Assert.Equal(("af-key", "MineMeld Export", true), (body["apiKey"]!.GetValue<string>(), body["label"]!.GetValue<string>(), body["panosFormatted"]!.GetValue<bool>()));
        Assert.Equal("domain", Text(seen["evil.example.com"], "type"));
        Assert.Equal("URL", Text(seen["evil.example.com/download/x.exe"], "type"));
        Assert.Equal("IPv4", Text(seen["198.51.100.0/24"], "type"));
        Assert.Equal("MineMeld Export", Text(seen["203.0.113.9"], "autofocus_label"));
    }

    [Fact]
    public async Task VirusTotalNotificationsGiveEachHashWithTheOtherFields()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/intelligence/hunting/notifications-feed/", """
            {"notifications": [{"md5": "0cc175b9c0f1b6a831c399e269772661", "sha1": "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
              "sha256": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "ruleset_name": "apt-watch", "subject": "Emotet loader",
              "positives": 41, "total": 70, "date": "2026-12-06 10:00:00"}], "verbose_msg": "1 notification retrieved"}
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "api_key: vt-secret\n", TestContext.Current.CancellationToken);
        var seen = await PollAsync("vt", $"{{class: minemeld.ft.vt.Notifications, output: true, config: {{url: '{server.BaseUrl}/'}}}}", expected: 3);

        Assert.Equal("?key=vt-secret", server.LastQueries["/intelligence/hunting/notifications-feed/"]);
        var sha256 = seen["ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"];
        Assert.Equal(("sha256", "0cc175b9c0f1b6a831c399e269772661", "apt-watch", 41L), (Text(sha256, "type"), Text(sha256, "vt_md5"), Text(sha256, "vt_ruleset_name"), sha256["vt_positives"]!.GetValue<long>()));
        Assert.False(sha256.ContainsKey("vt_sha256"));
        Assert.Equal("md5", Text(seen["0cc175b9c0f1b6a831c399e269772661"], "type"));
    }

    [Fact]
    public async Task ThreatQExportUrlComesFromTheSideConfigAndItsTypesAreMapped()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        server.Set("/api/export/6e472a434efe34ceb5a99ff6c9a8124e/", "IP Address,203.0.113.77\nCIDR Block,198.51.100.0/25\nFQDN,c2.example.org\nURL,http://c2.example.org/gate\nMD5,0cc175b9c0f1b6a831c399e269772661\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"),
            $"url: {server.BaseUrl}/api/export/6e472a434efe34ceb5a99ff6c9a8124e/?token=xoZjB4ypoNQdnbQhVi0B\n", TestContext.Current.CancellationToken);
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "threatq", "{class: minemeld.ft.threatq.Export, output: true, config: {attributes: {confidence: 100}}}");
        using var miner = graph.Replica(Options());
        await PolledAsync(miner);

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 4).ToDictionary(static m => m.Indicator, static m => Text(m.Value!, "type"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["203.0.113.77"] = "IPv4", ["198.51.100.0/25"] = "IPv4", ["c2.example.org"] = "domain", ["http://c2.example.org/gate"] = "URL",
        }, seen);
        Assert.Equal(1, miner.Poller.Counters.ParseErrors); // the MD5 line: not a type of the export
        Assert.Equal("?token=xoZjB4ypoNQdnbQhVi0B", server.LastQueries["/api/export/6e472a434efe34ceb5a99ff6c9a8124e/"]);
    }

    [Fact]
    public async Task JsonSeqMinerReadsAnotherMineMeldsFeedWithItsValues()
    {
        await using var server = await FixtureHttpServer.StartAsync();
        // What a MineMeld feed answers to ?v=json-seq: record separator, JSON, newline.
        server.Set("/feeds/partnerFeed", "\u001e{\"indicator\": \"192.0.2.10\", \"value\": {\"type\": \"IPv4\", \"confidence\": 90, \"sources\": [\"partner.list\"], \"share_level\": \"amber\", \"_age_out\": 1}}\n"
            + "\u001e{\"indicator\": \"bad.example.net\", \"value\": {\"type\": \"domain\", \"confidence\": 70, \"sources\": [\"partner.dns\"]}}\n\u001e{broken\n");
        server.RequireHeader("/feeds/partnerFeed", "Authorization", "Basic cGFydG5lcjpzM2NyZXQ="); // partner:s3cret
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"), "username: partner\npassword: s3cret\n", TestContext.Current.CancellationToken);
        var seen = await PollAsync("jsonseq", $"{{prototype: minemeld.JSONSEQFeed, output: true, config: {{url: '{server.Url("/feeds/partnerFeed")}'}}}}", expected: 2);

        Assert.Equal("?v=json-seq", server.LastQueries["/feeds/partnerFeed"]);
        var ip = seen["192.0.2.10"];
        Assert.Equal(("IPv4", 90L, "amber"), (Text(ip, "type"), ip["confidence"]!.GetValue<long>(), Text(ip, "share_level")));
        Assert.Equal(["partner.list"], ip["sources"]!.AsArray().Select(static s => s!.GetValue<string>())); // upstream's sources kept, as MineMeld did
        Assert.Equal("domain", Text(seen["bad.example.net"], "type"));
    }

    [Fact]
    public async Task GoogleNetBlocksFollowTheSpfIncludesOverTcpDns()
    {
        var port = FreePorts.Next();
        var records = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["_cloud-netblocks.googleusercontent.com"] = "v=spf1 include:_cloud-netblocks1.googleusercontent.com include:_cloud-netblocks2.googleusercontent.com ?all",
            ["_cloud-netblocks1.googleusercontent.com"] = "v=spf1 ip4:34.80.0.0/15 ip4:34.137.0.0/16 ip6:2600:1900::/35 ?all",
            ["_cloud-netblocks2.googleusercontent.com"] = "v=spf1 ip4:35.184.0.0/13 ?all",
        };
        using var dns = new DnsServer(new TcpServerTransport(new IPEndPoint(IPAddress.Loopback, port), 5000, 5000));
        dns.QueryReceived += (_, e) =>
        {
            if (e.Query is DnsMessage query)
            {
                var response = query.CreateResponseInstance();
                var question = query.Questions[0];
                if (question.RecordType == RecordType.Txt && records.TryGetValue(question.Name.ToString().TrimEnd('.'), out var text))
                {
                    response.AnswerRecords.Add(new TxtRecord(question.Name, 300, text));
                }
                else
                {
                    response.ReturnCode = ReturnCode.NxDomain;
                }

                e.Response = response;
            }

            return Task.CompletedTask;
        };
        dns.Start();

        var seen = await PollAsync("gce", $"{{prototype: google.GCENetBlocks, output: true, config: {{dns_server: 127.0.0.1, tcp_port: {port}}}}}", expected: 4);
        Assert.Equal(["2600:1900::/35", "34.137.0.0/16", "34.80.0.0/15", "35.184.0.0/13"], seen.Keys.Order(StringComparer.Ordinal));
        var block = seen["35.184.0.0/13"];
        Assert.Equal(("IPv4", "_cloud-netblocks2.googleusercontent.com", 100L), (Text(block, "type"), Text(block, "google_cloudnetblock"), block["confidence"]!.GetValue<long>()));
        Assert.Equal(["google.cloudnetblocks"], block["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));
        Assert.Equal("IPv6", Text(seen["2600:1900::/35"], "type"));

        // An include that no longer resolves fails the poll, naming it; nothing is withdrawn.
        records.Remove("_cloud-netblocks2.googleusercontent.com");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "gce2", $"{{prototype: google.GCENetBlocks, output: true, config: {{dns_server: 127.0.0.1, tcp_port: {port}, tries: 1}}}}");
        using var miner = graph.Replica(Options());
        await PollFailsAsync(miner, "_cloud-netblocks2.googleusercontent.com");
    }

    private MinerRunOptions Options() => new() { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = _directory };

    /// <summary>Polls a one-miner graph (side config in the test's directory) and returns its indicators by name.</summary>
    private async Task<Dictionary<string, JsonObject>> PollAsync(string prefix, string node, int expected)
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, prefix, node);
        using var miner = graph.Replica(Options());
        await PolledAsync(miner);
        return PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected).ToDictionary(static m => m.Indicator, static m => m.Value!);
    }

    private static string Text(JsonObject value, string key) => value[key]!.GetValue<string>();
}
