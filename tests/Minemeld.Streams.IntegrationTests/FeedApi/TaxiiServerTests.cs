using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.FeedServer.Stix;
using Minemeld.Streams.FeedServer.Taxii;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>
/// The TAXII 2.1 server and STIX 2.1 objects, checked against the specification's rules: media types and 406, the
/// access matrix of /feeds/ (401 without credentials, 404 for a feed the caller may not read), STIX indicator objects
/// against the rules of the STIX 2.1 schema written out below, range patterns that cover exactly the range, ids that
/// do not change between polls or between TAXII and <c>v=stix</c>, paging with <c>next</c> over a changing feed
/// (every unchanged indicator exactly once), and withdrawn indicators served revoked.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class TaxiiServerTests(RedisFixture redis)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static readonly string[] Feeds = ["freeBaseOffering", "premiumOffering", "customerAFeed"];

    [GeneratedRegex("^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex IndicatorId();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^\[(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value = '([^'\\]|\\.)*'\]( OR \[(ipv4-addr|ipv6-addr):value = '[^']*'\])*$|^\[file:hashes\.(MD5|'SHA-1'|'SHA-256'|'SHA-512') = '[0-9a-f]+'\]$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"\[ipv4-addr:value = '([^']*)'\]")]
    private static partial Regex Ipv4Value();

    [Fact]
    public async Task DiscoveryAnswersTaxiiOnlyAndCollectionsFollowTheFeedsAccessRules()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = Taxii(host, "admin", "demo-admin");
        using (var discovery = await admin.GetAsync("/taxii2/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
            AssertMediaType(TaxiiEndpoints.MediaType, discovery.Content.Headers.ContentType!);
            var body = JsonNode.Parse(await discovery.Content.ReadAsStringAsync(Ct))!;
            Assert.EndsWith("/taxii2/feeds/", body["api_roots"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }

        foreach (var accept in new[] { "application/json", "application/taxii+json;version=2.0", "text/html" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/taxii2/feeds/collections/");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var refused = await host.Client("admin", "demo-admin").SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
            Assert.Equal("406", JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["http_status"]!.GetValue<string>());
        }

        foreach (var feed in Feeds)
        {
            await host.FillAsync(feed, [("10.0.0.1-10.0.0.1", 1_700_000_000_000, null)]);
        }

        var users = new (string? User, string? Password)[] { ("acme-free", "demo-acme-free"), ("globex-premium", "demo-globex-premium"), ("customer-a", "demo-customer-a"), ("admin", "demo-admin"), (null, null), ("customer-a", "wrong") };
        foreach (var (user, password) in users)
        {
            var client = Taxii(host, user, password);
            var readable = new List<string>();
            foreach (var feed in Feeds)
            {
                using var plain = await host.Client(user, password).GetAsync($"/feeds/{feed}", Ct);
                if (plain.StatusCode == HttpStatusCode.OK)
                {
                    readable.Add(feed);
                }
            }

            using var collections = await client.GetAsync("/taxii2/feeds/collections/", Ct);
            if (readable.Count == 0)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, collections.StatusCode);
                Assert.Equal("Basic realm=\"minemeld\"", collections.Headers.WwwAuthenticate.ToString());
            }
            else
            {
                var listed = JsonNode.Parse(await collections.Content.ReadAsStringAsync(Ct))!["collections"]!.AsArray();
                Assert.Equal(readable, listed.Select(static c => c!["title"]!.GetValue<string>()));
                Assert.All(listed, static c => Assert.False(c!["can_write"]!.GetValue<bool>()));
            }

            // A collection the caller may not read: 401 without (valid) credentials, 404 with them.
            foreach (var feed in Feeds.Except(readable))
            {
                using var hidden = await client.GetAsync($"/taxii2/feeds/collections/{TaxiiEndpoints.CollectionId(Graph(host), feed)}/objects/", Ct);
                Assert.Equal(user is null || password == "wrong" ? HttpStatusCode.Unauthorized : HttpStatusCode.NotFound, hidden.StatusCode);
            }
        }
    }

    [Fact]
    public async Task ObjectsAreStixIndicatorsWhosePatternsCoverTheirRangesAndWhoseIdsDoNotChange()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var random = new Random(5);
        var entries = new List<(string Indicator, double Score, string? Value)>();
        for (var i = 0; i < 150; i++)
        {
            var start = (uint)random.Next(0x0B000000, 0x7F000000);
            var end = start + (uint)random.Next(0, 5000);
            var indicator = $"{IPv4Family.Format(start)}-{IPv4Family.Format(end)}";
            var seen = 1_700_000_000_000L + (i * 1000);
            entries.Add((indicator, seen, $$"""{"sources":["spamhaus.DROP"],"confidence":{{random.Next(0, 101)}},"first_seen":{{seen - 5000}},"type":"IPv4","share_level":"green","last_seen":{{seen}}}"""));
        }

        entries.Add(("evil.example.com", 1_700_000_200_000, """{"type":"domain","confidence":80,"first_seen":1700000100000,"last_seen":1700000200000,"sources":["list"]}"""));
        entries.Add(("http://evil.example.com/a'b\\c", 1_700_000_200_001, """{"type":"URL","first_seen":1700000100000,"last_seen":1700000200001,"sources":["list"]}"""));
        entries.Add(("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 1_700_000_200_002, """{"type":"sha256","first_seen":1700000100000,"last_seen":1700000200002}"""));
        await host.FillAsync("customerAFeed", entries);
        var client = Taxii(host, "customer-a", "demo-customer-a");
        var collection = TaxiiEndpoints.CollectionId(Graph(host), "customerAFeed");
        var objects = await ReadAllAsync(client, collection, 40);
        var identity = Assert.Single(objects, static o => o["type"]!.GetValue<string>() == "identity");
        Assert.Equal(StixIndicators.IdentityId, identity["id"]!.GetValue<string>());
        var indicators = objects.Where(static o => o["type"]!.GetValue<string>() == "indicator").ToList();
        Assert.Equal(entries.Count, indicators.Count);
        // The schema check itself refuses what STIX refuses (so a pass above means something).
        foreach (var (property, value) in new (string, JsonNode?)[] { ("foo", "x"), ("id", "indicator--not-a-uuid"), ("modified", "2026-12-07 10:00:00"), ("confidence", 101), ("spec_version", "2.0") })
        {
            var broken = indicators[0].DeepClone().AsObject();
            broken[property] = value;
            Assert.False(IsStixIndicator(broken), $"the schema took {property} = {value}");
        }

        foreach (var indicator in indicators)
        {
            AssertStixIndicator(indicator);
            Assert.Equal(identity["id"]!.GetValue<string>(), indicator["created_by_ref"]!.GetValue<string>());
        }

        // Each range's pattern is the OR of CIDRs covering exactly the range (checked by address arithmetic).
        foreach (var (indicator, _, value) in entries.Take(150))
        {
            var stix = Assert.Single(indicators, o => o["name"]!.GetValue<string>() == indicator);
            var bounds = indicator.Split('-').Select(static a => IPv4Family.TryParse(a, out var v) ? v : throw new FormatException(a)).ToArray();
            var next = (ulong)bounds[0];
            foreach (Match cidr in Ipv4Value().Matches(stix["pattern"]!.GetValue<string>()))
            {
                var parts = cidr.Groups[1].Value.Split('/');
                Assert.True(IPv4Family.TryParse(parts[0], out var network));
                var length = parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 32;
                Assert.Equal(next, (ulong)network);
                Assert.Equal(0UL, network & ((1UL << (32 - length)) - 1));
                next = network + (1UL << (32 - length));
            }

            Assert.Equal((ulong)bounds[1] + 1, next);
            Assert.Equal(JsonNode.Parse(value!)!["confidence"]!.GetValue<int>(), stix["confidence"]!.GetValue<int>());
            Assert.Equal(["spamhaus.DROP"], stix["labels"]!.AsArray().Select(static l => l!.GetValue<string>()));
        }

        Assert.Equal("[url:value = 'http://evil.example.com/a\\'b\\\\c']", Assert.Single(indicators, static o => o["name"]!.GetValue<string>().StartsWith("http", StringComparison.Ordinal))["pattern"]!.GetValue<string>());
        Assert.Equal("[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']", Assert.Single(indicators, static o => o["name"]!.GetValue<string>().StartsWith("e3b0", StringComparison.Ordinal))["pattern"]!.GetValue<string>());

        // The same ids on a second poll, in the v=stix bundle, and for the one object and its versions.
        var again = await ReadAllAsync(client, collection, 1000);
        Assert.Equal(objects.Select(static o => o["id"]!.GetValue<string>()), again.Select(static o => o["id"]!.GetValue<string>()));
        using var bundleResponse = await host.Client("customer-a", "demo-customer-a").GetAsync("/feeds/customerAFeed?v=stix", Ct);
        AssertMediaType(StixIndicators.MediaType, bundleResponse.Content.Headers.ContentType!);
        var bundle = JsonNode.Parse(await bundleResponse.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("bundle", bundle["type"]!.GetValue<string>());
        Assert.Equal(objects.Select(static o => o["id"]!.GetValue<string>()).Order(StringComparer.Ordinal), bundle["objects"]!.AsArray().Select(static o => o!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var one = indicators[7]["id"]!.GetValue<string>();
        var single = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/objects/{one}/", Ct))!;
        Assert.Equal(one, Assert.Single(single["objects"]!.AsArray())!["id"]!.GetValue<string>());
        var versions = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/objects/{one}/versions/", Ct))!;
        Assert.Equal(indicators[7]["modified"]!.GetValue<string>(), Assert.Single(versions["versions"]!.AsArray())!.GetValue<string>());
        var matched = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/objects/?match[id]={one}", Ct))!;
        Assert.Equal(one, Assert.Single(matched["objects"]!.AsArray())!["id"]!.GetValue<string>());
        var identities = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/objects/?match[type]=identity", Ct))!;
        Assert.Equal("identity", Assert.Single(identities["objects"]!.AsArray())!["type"]!.GetValue<string>());
        using var missing = await client.GetAsync($"/taxii2/feeds/collections/{collection}/objects/indicator--00000000-0000-5000-8000-000000000000/", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badLimit = await client.GetAsync($"/taxii2/feeds/collections/{collection}/objects/?limit=0", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        foreach (var next in new[] { "not*base64", "bm8gbmV3bGluZQ" }) // not base64url; base64url of "no newline"
        {
            using var badNext = await client.GetAsync($"/taxii2/feeds/collections/{collection}/objects/?next={next}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, badNext.StatusCode);
        }
    }

    /// <summary>
    /// Paging with next while the feed changes between pages: every indicator that did not change comes exactly once;
    /// a changed one may come again (a new version, later); the manifest pages the same way; date headers match.
    /// </summary>
    [Fact]
    public async Task PagingOverAChangingFeedYieldsEachUnchangedIndicatorOnceAndWithdrawnOnesRevoked()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var clock = 1_700_000_000_000L;
        var live = new Dictionary<string, long>(StringComparer.Ordinal);
        Task ApplyAsync(IEnumerable<string> add, IEnumerable<string> remove)
        {
            var changes = new List<FeedChange>();
            foreach (var indicator in add)
            {
                clock += 7;
                live[indicator] = clock;
                changes.Add(new FeedChange(indicator, true, clock, $$"""{"type":"IPv4","first_seen":{{clock}},"last_seen":{{clock}},"sources":["t"]}"""));
            }

            foreach (var indicator in remove)
            {
                live.Remove(indicator);
                changes.Add(new FeedChange(indicator, false, 0, null));
            }

            return host.Store.Feed(host.GraphName, "customerAFeed").ApplyAsync(changes, null, TestContext.Current.CancellationToken);
        }

        string Address(int i) => $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}";
        await ApplyAsync(Enumerable.Range(0, 400).Select(Address), []);
        var stable = live.Keys.ToHashSet(StringComparer.Ordinal);
        var client = Taxii(host, "admin", "demo-admin");
        var collection = TaxiiEndpoints.CollectionId(Graph(host), "customerAFeed");
        var seen = new List<JsonNode>();
        var url = $"/taxii2/feeds/collections/{collection}/objects/?limit=33&match[type]=indicator";
        var next = 400;
        while (true)
        {
            using var response = await client.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var envelope = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
            var page = envelope["objects"]!.AsArray().Select(static o => o!).ToList();
            Assert.True(page.Count <= 33);
            if (page.Count > 0)
            {
                Assert.True(StixIndicators.TryParseTimestamp(response.Headers.GetValues("X-TAXII-Date-Added-First").Single(), out _));
                Assert.True(StixIndicators.TryParseTimestamp(response.Headers.GetValues("X-TAXII-Date-Added-Last").Single(), out _));
            }

            seen.AddRange(page);
            if (!envelope["more"]!.GetValue<bool>())
            {
                Assert.Null(envelope["next"]);
                break;
            }

            // Between pages: new indicators, a re-published one, a withdrawn one.
            var touched = live.Keys.Where(k => stable.Contains(k)).OrderBy(_ => next).Skip(next % 50).Take(2).ToList();
            await ApplyAsync([Address(next++), Address(next++), .. touched.Take(1)], touched.Skip(1));
            stable.ExceptWith(touched);
            url = $"/taxii2/feeds/collections/{collection}/objects/?limit=33&match[type]=indicator&next={Uri.EscapeDataString(envelope["next"]!.GetValue<string>())}";
        }

        foreach (var indicator in stable)
        {
            Assert.Single(seen, o => o["name"]!.GetValue<string>() == indicator);
        }

        // A withdrawn indicator: the same id again, revoked, for whoever polls after it went.
        var before = seen.Max(static o => o["modified"]!.GetValue<string>())!;
        var gone = stable.First();
        await ApplyAsync([], [gone]);
        var revoked = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/objects/?added_after={before}&match[type]=indicator", Ct))!["objects"]!.AsArray();
        var tombstone = Assert.Single(revoked, o => o!["name"]!.GetValue<string>() == gone)!;
        Assert.True(tombstone["revoked"]!.GetValue<bool>());
        Assert.Equal(StixIndicators.Id("customerAFeed", gone), tombstone["id"]!.GetValue<string>());
        AssertStixIndicator(tombstone);
        var manifest = JsonNode.Parse(await client.GetStringAsync($"/taxii2/feeds/collections/{collection}/manifest/?added_after={before}", Ct))!["objects"]!.AsArray();
        Assert.Contains(manifest, m => m!["id"]!.GetValue<string>() == StixIndicators.Id("customerAFeed", gone));
        Assert.All(manifest, static m => Assert.Equal(StixIndicators.MediaType, m!["media_type"]!.GetValue<string>()));
    }

    /// <summary>The STIX 2.1 indicator object's schema (Schemas/stix21-indicator.schema.json), checked by JsonSchema.Net.</summary>
    private static readonly Json.Schema.JsonSchema IndicatorSchema =
        Json.Schema.JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "FeedApi", "Schemas", "stix21-indicator.schema.json")));

    private static bool IsStixIndicator(JsonNode indicator)
    {
        using var document = System.Text.Json.JsonDocument.Parse(indicator.ToJsonString());
        return IndicatorSchema.Evaluate(document.RootElement).IsValid;
    }

    /// <summary>The STIX 2.1 indicator rules: the schema, then what a schema cannot say (created ≤ modified, the pattern grammar used here).</summary>
    private static void AssertStixIndicator(JsonNode indicator)
    {
        using (var document = System.Text.Json.JsonDocument.Parse(indicator.ToJsonString()))
        {
            var result = IndicatorSchema.Evaluate(document.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
            Assert.True(result.IsValid, $"not a STIX 2.1 indicator: {indicator.ToJsonString()}\n{string.Join('\n', (result.Details ?? []).Where(static d => d.Errors is { Count: > 0 }).Select(static d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}"))}");
        }

        var o = indicator.AsObject();
        foreach (var required in new[] { "type", "spec_version", "id", "created", "modified", "pattern", "pattern_type", "valid_from" })
        {
            Assert.True(o.ContainsKey(required), $"indicator without {required}: {o.ToJsonString()}");
        }

        Assert.Equal("indicator", o["type"]!.GetValue<string>());
        Assert.Equal("2.1", o["spec_version"]!.GetValue<string>());
        Assert.Matches(IndicatorId(), o["id"]!.GetValue<string>());
        Assert.Equal("stix", o["pattern_type"]!.GetValue<string>());
        Assert.Matches(Pattern(), o["pattern"]!.GetValue<string>());
        foreach (var time in new[] { "created", "modified", "valid_from" })
        {
            Assert.Matches(Timestamp(), o[time]!.GetValue<string>());
        }

        Assert.True(string.CompareOrdinal(o["created"]!.GetValue<string>(), o["modified"]!.GetValue<string>()) <= 0, "created after modified");
        if (o["confidence"] is { } confidence)
        {
            Assert.InRange(confidence.GetValue<int>(), 0, 100);
        }

        if (o["labels"] is { } labels)
        {
            Assert.NotEmpty(labels.AsArray());
        }

        Assert.All(o.Where(static p => p.Key is not ("type" or "spec_version" or "id" or "created" or "modified" or "pattern" or "pattern_type" or "valid_from" or "name" or "created_by_ref" or "confidence" or "labels" or "description" or "revoked")), static p => Assert.StartsWith("x_", p.Key, StringComparison.Ordinal));
    }

    /// <summary>The same media type and version (HttpClient prints parameters with a space after the semicolon).</summary>
    private static void AssertMediaType(string expected, MediaTypeHeaderValue actual)
    {
        var parsed = MediaTypeHeaderValue.Parse(expected);
        Assert.Equal(parsed.MediaType, actual.MediaType);
        Assert.Equal("2.1", Assert.Single(actual.Parameters).Value);
        Assert.Null(actual.CharSet);
    }

    private static async Task<List<JsonNode>> ReadAllAsync(HttpClient client, string collection, int limit)
    {
        var all = new List<JsonNode>();
        var url = $"/taxii2/feeds/collections/{collection}/objects/?limit={limit}";
        while (true)
        {
            var envelope = JsonNode.Parse(await client.GetStringAsync(url, Ct))!;
            all.AddRange(envelope["objects"]!.AsArray().Select(static o => o!));
            if (!envelope["more"]!.GetValue<bool>())
            {
                return all;
            }

            url = $"/taxii2/feeds/collections/{collection}/objects/?limit={limit}&next={Uri.EscapeDataString(envelope["next"]!.GetValue<string>())}";
        }
    }

    private static HttpClient Taxii(FeedServerHost host, string? user, string? password)
    {
        var client = host.Client(user, password);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/taxii+json") { Parameters = { new NameValueHeaderValue("version", "2.1") } });
        return client;
    }

    private static Minemeld.Streams.Core.Graph.NodeGraph Graph(FeedServerHost host) => host.Services.GetRequiredService<Minemeld.Streams.Core.Graph.NodeGraph>();
}
