using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>Local-list editing (MineMeld's config data routes and the JSON API), status, prototypes, graph validation.</summary>
[Trait("Category", "Integration")]
public sealed class AdminApiTests(RedisFixture redis)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>
    /// CSRF: a browser that cached an admin's Basic credentials sends them with another site's forged request; a write
    /// it marks as cross-site (Sec-Fetch-Site, or a foreign Origin) is refused and writes nothing, while the same write
    /// from the server's own origin, or from a script that sends neither header, goes through.
    /// </summary>
    [Fact]
    public async Task AWriteABrowserSendsFromAnotherSiteIsRefused()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var store = new LocalListStore(host.Store, host.GraphName, "bucketCustomerA", "IPv4");
        async Task<HttpResponseMessage> AppendAsync(string indicator, string header, string value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/config/data/bucketCustomerA_indicators/append") { Content = Json($$"""{"indicator":"{{indicator}}"}""") };
            request.Headers.TryAddWithoutValidation(header, value);
            return await admin.SendAsync(request, Ct);
        }

        using (var forged = await AppendAsync("192.0.2.66", "Sec-Fetch-Site", "cross-site"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            Assert.Contains("cross-site", await forged.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var foreign = await AppendAsync("192.0.2.67", "Origin", "https://attacker.example"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }

        var own = admin.BaseAddress!.GetLeftPart(UriPartial.Authority);
        using (var sameOrigin = await AppendAsync("192.0.2.68", "Origin", own))
        {
            Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
        }

        using (var page = await AppendAsync("192.0.2.69", "Sec-Fetch-Site", "same-origin"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/config/data/bucketCustomerA_indicators/append", Json("""{"indicator":"192.0.2.70"}"""), Ct)).StatusCode);
        Assert.Equal(["192.0.2.68", "192.0.2.69", "192.0.2.70"], (await store.ReadAsync(0, TestContext.Current.CancellationToken)).Select(static e => e.Indicator).Where(static i => i.StartsWith("192.0.2.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // Reads are not writes: a cross-site read is answered (the browser keeps it from the other site by itself).
        using var read = new HttpRequestMessage(HttpMethod.Get, "/config/data/bucketCustomerA_indicators");
        read.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(read, Ct)).StatusCode);
    }

    [Fact]
    public async Task YamlListRoutesReplaceAndAppendAsMineMeldSyncDoes()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var store = new LocalListStore(host.Store, host.GraphName, "bucketCustomerA", "IPv4");
        using (var put = await admin.PutAsync("/config/data/bucketCustomerA_indicators?h=bucketCustomerA",
            Json("""[{"indicator":"192.0.2.7","share_level":"green","direction":"inbound","comment":"scanner"},{"indicator":"198.51.100.0/24"}]"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("""{"result":"ok"}""", await put.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/config/data/bucketCustomerA_indicators/append", Json("""{"indicator":"203.0.113.9"}"""), Ct)).StatusCode);
        var entries = await store.ReadAsync(0, TestContext.Current.CancellationToken);
        Assert.Equal(["192.0.2.7", "198.51.100.0/24", "203.0.113.9"], entries.Select(static e => e.Indicator).Order(StringComparer.Ordinal));
        Assert.Equal("scanner", entries.Single(static e => e.Indicator == "192.0.2.7").Attributes["comment"]!.GetValue<string>());

        var read = JsonNode.Parse(await admin.GetStringAsync("/config/data/bucketCustomerA_indicators", Ct))!["result"]!.AsArray();
        Assert.Equal(3, read.Count);
        Assert.Equal("192.0.2.7", read[0]!["indicator"]!.GetValue<string>());

        // A bad entry rejects the whole request and names it; nothing already accepted is lost.
        using var bad = await admin.PutAsync("/config/data/bucketCustomerA_indicators", Json("""[{"indicator":"192.0.2.8"},{"indicator":"not-an-ip"}]"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var message = await bad.Content.ReadAsStringAsync(Ct);
        Assert.Contains("entry 1", message, StringComparison.Ordinal);
        Assert.Contains("not-an-ip", message, StringComparison.Ordinal);
        Assert.Equal(3, (await store.ReadAsync(0, TestContext.Current.CancellationToken)).Count());

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/config/data/freeBaseOffering_indicators", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("customer-a", "demo-customer-a").GetAsync("/config/data/bucketCustomerA_indicators", Ct)).StatusCode);
    }

    [Fact]
    public async Task LocalDbAppendHonoursTtlInJsonAndTextForms()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var store = new LocalListStore(host.Store, host.GraphName, "wlCustomerA", "IPv4");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/config/data/wlCustomerA_indicators/append?t=localdb&h=wlCustomerA",
            Json("""[{"indicator":"10.9.0.1","type":"IPv4","ttl":3600},{"indicator":"10.9.0.2","type":"IPv4","ttl":"disabled","comment":"forever"}]"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/config/data/wlCustomerA_indicators/append?t=localdb",
            new StringContent("IPv4\n10.9.0.3\ncomment\nbad host\nttl\n60\n\n# a comment\nIPv4\n10.9.0.4\n"), Ct)).StatusCode);
        var entries = (await store.ReadEntriesAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TestContext.Current.CancellationToken)).ToDictionary(static e => e.Indicator);
        Assert.Equal(4, entries.Count);
        Assert.InRange(entries["10.9.0.1"].ExpiresAt!.Value - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 3_500_000, 3_600_000);
        Assert.Null(entries["10.9.0.2"].ExpiresAt);
        Assert.Equal("bad host", entries["10.9.0.3"].Attributes["comment"]!.GetValue<string>());

        // ttl 0 deletes, as minemeld-sync deletes.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/config/data/wlCustomerA_indicators/append?t=localdb", Json("""{"indicator":"10.9.0.1","type":"IPv4","ttl":0}"""), Ct)).StatusCode);
        Assert.DoesNotContain("10.9.0.1", (await store.ReadAsync(0, TestContext.Current.CancellationToken)).Select(static e => e.Indicator));

        using var missingType = await admin.PostAsync("/config/data/wlCustomerA_indicators/append?t=localdb", Json("""[{"indicator":"10.9.0.5"}]"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missingType.StatusCode);
        Assert.Contains("entry 0: type field is missing", await missingType.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // MineMeld's answer: the records under result, each with its type; null for an entry written without a ttl
        // (10.9.0.4: default_ttl applies), "disabled" for never, the time for a ttl.
        var records = JsonNode.Parse(await admin.GetStringAsync("/config/data/wlCustomerA_indicators?t=localdb", Ct))!["result"]!.AsArray()
            .ToDictionary(static r => r!["indicator"]!.GetValue<string>(), static r => r!.AsObject());
        Assert.Equal("disabled", records["10.9.0.2"]["_expiration_ts"]!.GetValue<string>());
        Assert.Null(records["10.9.0.4"]["_expiration_ts"]);
        Assert.True(records["10.9.0.4"].ContainsKey("_expiration_ts"));
        Assert.InRange(records["10.9.0.3"]["_expiration_ts"]!.GetValue<long>() - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1, 60_000);
        Assert.All(records.Values, static r => Assert.Equal("IPv4", r["type"]!.GetValue<string>()));
        Assert.All(records.Values, static r => Assert.False(r.ContainsKey("_expires_by_default")));
    }

    [Fact]
    public async Task JsonListApiAddsReplacesAndRemovesInBulk()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var replace = new JsonObject { ["entries"] = new JsonArray([.. Enumerable.Range(0, 20_000).Select(static i => (JsonNode)new JsonObject { ["indicator"] = $"10.{i / 65536}.{i / 256 % 256}.{i % 256}", ["confidence"] = 80 })]) };
        using (var put = await admin.PutAsync("/lists/bucketCustomerA/entries", Json(replace.ToJsonString()), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Contains("\"written\":20000", await put.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        var inAnHour = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/lists/bucketCustomerA/entries", Json($$"""{"entries":[{"indicator":"192.0.2.1","ttl":60},{"indicator":"192.0.2.2","expires_at":{{inAnHour}}}]}"""), Ct)).StatusCode);
        using (var removal = await admin.PostAsync("/lists/bucketCustomerA/remove", Json("""{"indicators":["10.0.0.0","10.0.0.1","10.0.0.300"]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, removal.StatusCode);
            var result = JsonNode.Parse(await removal.Content.ReadAsStringAsync(Ct))!;
            Assert.Equal(2, result["removed"]!.GetValue<long>());
            Assert.Equal(["10.0.0.300"], result["not_found"]!.AsArray().Select(static i => i!.GetValue<string>()));
        }

        // Removal also takes the additions' body shape.
        using (var removal = await admin.PostAsync("/lists/bucketCustomerA/remove", Json("""{"entries":[{"indicator":"10.0.0.2"}]}"""), Ct))
        {
            Assert.Equal(1, JsonNode.Parse(await removal.Content.ReadAsStringAsync(Ct))!["removed"]!.GetValue<long>());
        }

        var list = JsonNode.Parse(await admin.GetStringAsync("/lists/bucketCustomerA", Ct))!;
        Assert.Equal(19_999, list["count"]!.GetValue<int>()); // 20,000 - 3 removed + 2 added

        // What would be acknowledged and then lost is refused, naming the entry: a lifetime that overflows, one that
        // ended already, an indicator that is not a string. Nothing of such a request is written.
        foreach (var (body, error) in new[]
        {
            ("""{"entries":[{"indicator":"192.0.2.5"},{"indicator":"192.0.2.6","ttl":9223372036854775}]}""", "entry 1: ttl 9223372036854775 is out of range"),
            ("""{"entries":[{"indicator":"192.0.2.5","expires_at":1}]}""", "entry 0: expires_at 1 is out of range"),
            ("""{"entries":[{"indicator":"192.0.2.5","ttl":0}]}""", "entry 0: ttl 0 is out of range"),
            ("""{"entries":[{"indicator":"192.0.2.5"},{"indicator":3232235521}]}""", "entry 1: indicator must be a non-empty string, not 3232235521"),
        })
        {
            using var refused = await admin.PostAsync("/lists/bucketCustomerA/entries", Json(body), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(error, await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.Equal(19_999, JsonNode.Parse(await admin.GetStringAsync("/lists/bucketCustomerA", Ct))!["count"]!.GetValue<int>());

        using var bad = await admin.PostAsync("/lists/bucketCustomerA/entries", Json("""{"entries":[{"indicator":"192.0.2.3"},{"indicator":"192.0.2.4","ttl":"soon"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        Assert.Contains("entry 1: ttl", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/lists/freeBaseOffering", Ct)).StatusCode);
    }

    [Fact]
    public async Task ABlockListRefusesOverBroadNetworksWithTheReasonAndAWhitelistTakesThem()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        foreach (var (indicator, error) in new[]
        {
            ("0.0.0.0/0", "entry 1: 0.0.0.0/0 covers 4,294,967,296 addresses, more than a /8 (the node's broadest_ipv4_prefix; 0 turns the guard off)"),
            ("10.0.0.0-11.0.0.0", "entry 1: 10.0.0.0-11.0.0.0 covers 16,777,217 addresses, more than a /8"),
        })
        {
            using var refused = await admin.PostAsync("/lists/bucketCustomerA/entries", Json($$"""{"entries":[{"indicator":"192.0.2.7"},{"indicator":"{{indicator}}"}]}"""), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(error, await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // MineMeld's YAML-list route takes the same guard.
        using (var yaml = await admin.PutAsync("/config/data/bucketCustomerA_indicators?h=bucketCustomerA", Json("""[{"indicator":"0.0.0.0/1"}]"""), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, yaml.StatusCode);
        }

        Assert.Equal(0, JsonNode.Parse(await admin.GetStringAsync("/lists/bucketCustomerA", Ct))!["count"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/lists/bucketCustomerA/entries", Json("""{"entries":[{"indicator":"10.0.0.0/8"}]}"""), Ct)).StatusCode);

        // customerA takes wlCustomerA as a whitelist: a bogon block there removes, it does not block.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/lists/wlCustomerA/entries", Json("""{"entries":[{"indicator":"240.0.0.0/4"}]}"""), Ct)).StatusCode);
    }

    [Fact]
    public async Task StatusReportsMineMeldsFieldsFromWorkerInstances()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        await host.FillAsync("customerAFeed", [("10.0.0.1-10.0.0.1", 1, null), ("10.0.0.3-10.0.0.3", 2, null)]);
        var statuses = host.Store.Status(host.GraphName);
        await statuses.WriteAsync("customerAFeed", "minemeld.ft.redis.RedisSet", "output", new JsonObject { ["state"] = 5, ["statistics"] = new JsonObject { ["update.rx"] = 7, ["added"] = 2 } }, TestContext.Current.CancellationToken);
        await statuses.WriteAsync("spamhaus_DROP", "minemeld.ft.http.HttpFT", "miner", new JsonObject
        {
            ["state"] = 5, ["statistics"] = new JsonObject { ["added"] = 3 }, ["length"] = 3, ["last_run"] = 1000, ["last_successful_run"] = 900, ["sub_state"] = "SUCCESS",
        }, TestContext.Current.CancellationToken);
        await statuses.WriteAsync("spamhaus_EDROP", "minemeld.ft.http.HttpFT", "miner", new JsonObject
        {
            ["state"] = 5, ["length"] = 1, ["last_run"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["sub_state"] = "SUCCESS",
        }, TestContext.Current.CancellationToken);
        var admin = host.Client("admin", "demo-admin");
        var result = JsonNode.Parse(await admin.GetStringAsync("/status/minemeld", Ct))!["result"]!.AsArray().ToDictionary(static n => n!["name"]!.GetValue<string>());

        // A miner that has not polled within its interval and the grace is flagged (its holder may be gone).
        Assert.True(result["spamhaus_DROP"]!["overdue"]!.GetValue<bool>());
        Assert.StartsWith("no poll for ", result["spamhaus_DROP"]!["sub_state_message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(result["spamhaus_EDROP"]!["overdue"]);
        Assert.Equal(2, result["customerAFeed"]!["length"]!.GetValue<long>());
        Assert.Equal(7, result["customerAFeed"]!["statistics"]!["update.rx"]!.GetValue<long>());
        Assert.Equal("minemeld.ft.redis.RedisSet", result["customerAFeed"]!["class"]!.GetValue<string>());
        Assert.Equal(["customerA"], result["customerAFeed"]!["inputs"]!.AsArray().Select(static i => i!.GetValue<string>()));
        Assert.False(result["customerAFeed"]!["output"]!.GetValue<bool>());
        Assert.Equal(900, result["spamhaus_DROP"]!["last_successful_run"]!.GetValue<long>());
        Assert.Equal("SUCCESS", result["spamhaus_DROP"]!["sub_state"]!.GetValue<string>());
        Assert.Equal(4, result["tor_exit_nodes"]!["state"]!.GetValue<int>()); // never reported: INIT
    }

    [Fact]
    public async Task PrototypesAndGraphValidation()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var all = JsonNode.Parse(await admin.GetStringAsync("/prototype", Ct))!;
        Assert.Equal("minemeld.ft.redis.RedisSet", all["stdlib"]!["prototypes"]!["feedHCGreen"]!["class"]!.GetValue<string>());
        var one = JsonNode.Parse(await admin.GetStringAsync("/prototype/stdlib.feedHCGreen", Ct))!;
        Assert.Contains("infilters", one["config"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("confidence > 75", one["differsFromMineMeld"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(all["stdlib"]!["prototypes"]!["feedMCGreen"]!["differs_from_minemeld"]);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/prototype/stdlib.noSuchThing", Ct)).StatusCode);

        using var ok = await admin.PostAsync("/validate/graph", new StringContent(File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "customer-a.yml"))), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var bad = await admin.PostAsync("/validate/graph", new StringContent("nodes:\n  a:\n    prototype: stdlib.nope\n  b:\n    prototype: stdlib.feedHCGreen\n    inputs: [zz]\n"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = await bad.Content.ReadAsStringAsync(Ct);
        Assert.Contains("stdlib.nope", errors, StringComparison.Ordinal);
        Assert.Contains("zz", errors, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, new MediaTypeHeaderValue("application/json"));
}
