using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.Cli;

/// <summary>
/// MineMeld's own end-to-end test, replayed on <c>minemeld run graphs/minemeld/integration-basic.yml</c>: the graph it
/// built (one localdb, an aggregator and a feed with values per type), indicators pushed the way it pushed them (the
/// localdb text body of <c>/config/data/localdb_indicators/append?h=localdb&amp;t=localdb</c>, ranges written
/// <c>a-b</c>, singles as <c>a-a</c>), and the feed requests whose answers it compared, checked against simple oracles
/// instead of its recorded files: plain, <c>tr=1</c>, <c>s</c>/<c>n</c>, csv with renamed columns, json with MineMeld's
/// key order, mwg, bluecoat and json-seq.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MineMeldStockGraphTests
{
    private static readonly string[] MineMeldValueKeys = ["sources", "confidence", "first_seen", "type", "share_level", "last_seen"];

    [Fact]
    public async Task MineMeldsIntegrationScenarioRunsOnItsStockGraph()
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(20261207);
        var singles = Enumerable.Range(1, 254).Select(static i => $"198.51.100.{i}")
            .Concat(Enumerable.Range(1, 254).Select(static i => $"203.0.113.{i}"))
            .OrderBy(_ => random.Next()).Take(60).ToList();
        string[] ranges = ["192.0.2.0-192.0.2.33", "192.0.2.16-192.0.2.63", "198.18.0.0-198.18.0.255", "198.19.3.10-198.19.3.44"];
        var urls = Enumerable.Range(0, 25).Select(i => $"host{i}.example/{(char)('a' + random.Next(26))}{i}/index.php").Append("www.Example.org/Download/Setup.exe").ToList();
        var domains = Enumerable.Range(0, 20).Select(static i => $"d{i}.example.net").ToList();

        // The body MineMeld's test posted: "TYPE\nINDICATOR\n\n" per entry, its lines still ending in their newline.
        var body = new StringBuilder();
        foreach (var ip in singles)
        {
            body.Append($"IPv4\n{ip}-{ip}\n\n\n");
        }

        foreach (var range in ranges)
        {
            body.Append($"IPv4\n{range}\n\n\n");
        }

        foreach (var url in urls)
        {
            body.Append($"URL\n{url}\n\n\n");
        }

        foreach (var domain in domains)
        {
            body.Append($"domain\n{domain}\n\n\n");
        }

        body.Append("domain\nD0.Example.NET.\n\n\n"); // the same domain written another way: one indicator

        await using var run = MinemeldRun.Start("graphs/minemeld/integration-basic.yml");
        async Task<string?> FeedAsync(string query)
        {
            try
            {
                using var response = await run.Client.GetAsync($"/feeds/{query}", ct);
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(ct) : null;
            }
            catch (HttpRequestException)
            {
                return null; // not listening yet
            }
        }

        await PipelineHarness.EventuallyAsync(async () => !run.HasExited && await FeedAsync("IPv4HC") is not null, "the feed server to listen", TimeSpan.FromSeconds(60));
        using (var append = new HttpRequestMessage(HttpMethod.Post, "/config/data/localdb_indicators/append?h=localdb&t=localdb"))
        {
            append.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:minemeld-integration"u8));
            append.Content = new StringContent(body.ToString(), Encoding.UTF8, "application/text");
            using var response = await run.Client.SendAsync(append, ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        static List<string> Lines(string? text) => [.. (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        var expectedPieces = RangeOracle.Pieces([.. singles.Select(static ip => RangeOracle.Parse(ip)), .. ranges.Select(RangeOracle.Parse)], []);
        var expectedUrls = urls.Order(StringComparer.Ordinal).ToList();
        var expectedDomains = domains.Order(StringComparer.Ordinal).ToList();
        await PipelineHarness.EventuallyAsync(
            async () => Lines(await FeedAsync("IPv4HC")).Order(StringComparer.Ordinal).SequenceEqual(expectedPieces)
                && Lines(await FeedAsync("URLHC")).Order(StringComparer.Ordinal).SequenceEqual(expectedUrls)
                && Lines(await FeedAsync("DomainHC")).Order(StringComparer.Ordinal).SequenceEqual(expectedDomains),
            "every pushed indicator to reach its feed",
            TimeSpan.FromSeconds(60));

        // Plain: ranges as a-b; s and n page through the same order.
        var plain = Lines(await FeedAsync("IPv4HC"));
        Assert.Equal(plain.Skip(5).Take(10), Lines(await FeedAsync("IPv4HC?s=5&n=10")));

        // tr=1: each range as its fewest CIDRs, a single address bare.
        var cidrs = expectedPieces.SelectMany(Cidrs).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(cidrs, Lines(await FeedAsync("IPv4HC?tr=1")).Order(StringComparer.Ordinal));

        // csv with chosen, renamed columns, a list attribute joined; rows end in CRLF as Python's csv module wrote them.
        var csv = (await FeedAsync("IPv4HC?v=csv&f=confidence&f=sources|feeds&f=indicator|clientip&tr=1"))!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("confidence,feeds,clientip", csv[0]);
        Assert.Equal(cidrs.Select(static c => $"100,localdb,{c}"), csv.Skip(1).Order(StringComparer.Ordinal));

        // json: every value with localDB's attributes, in the key order MineMeld wrote them.
        var json = JsonNode.Parse((await FeedAsync("IPv4HC?v=json&tr=1"))!)!.AsArray();
        Assert.Equal(cidrs.Count, json.Count);
        Assert.All(json, item =>
        {
            var value = item!["value"]!.AsObject();
            Assert.Equal(MineMeldValueKeys, value.Select(static p => p.Key));
            Assert.Equal("localdb", Assert.Single(value["sources"]!.AsArray())!.GetValue<string>());
            Assert.Equal(100, value["confidence"]!.GetValue<int>());
            Assert.Equal("red", value["share_level"]!.GetValue<string>());
        });

        // mwg: McAfee Web Gateway's string list, each range with its sources.
        var mwg = Lines(await FeedAsync("IPv4HC?v=mwg"));
        Assert.Equal("type=string", mwg[0]);
        Assert.Equal(expectedPieces.Select(static p => $"\"{p}\" \"localdb\""), mwg.Skip(1).Order(StringComparer.Ordinal));

        // bluecoat: one category around the URLs, lower-cased as the proxy compares them.
        var bluecoat = Lines(await FeedAsync("URLHC?v=bluecoat&cd=test"));
        Assert.Equal("define category test", bluecoat[0]);
        Assert.Equal("end", bluecoat[^1]);
        Assert.Equal(expectedUrls.Select(static u => u.ToLowerInvariant()).Order(StringComparer.Ordinal), bluecoat[1..^1].Order(StringComparer.Ordinal));

        // json-seq (RFC 7464): each object after a record separator, on its own line.
        var records = Lines(await FeedAsync("DomainHC?v=json-seq"));
        Assert.All(records, static r => Assert.StartsWith("\u001e{", r, StringComparison.Ordinal));
        var sequence = records.Select(static r => JsonNode.Parse(r[1..])!).ToList();
        Assert.Equal(expectedDomains, sequence.Select(static o => o["indicator"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(sequence, static o => Assert.Equal("domain", o["value"]!["type"]!.GetValue<string>()));

        var exitCode = await run.InterruptAsync(ct);
        Assert.True(exitCode == 0, $"minemeld run exited with {exitCode} after Ctrl-C:\n{run.Output}");
    }

    /// <summary>The fewest CIDRs covering an <c>a-b</c> range, the simple way; a /32 is written bare.</summary>
    private static IEnumerable<string> Cidrs(string range)
    {
        var (start, end) = RangeOracle.Parse(range);
        while (start <= end)
        {
            var bits = 0;
            while (bits < 32 && (start & ((2L << bits) - 1)) == 0 && start + (2L << bits) - 1 <= end)
            {
                bits++;
            }

            yield return bits == 0 ? IPv4Family.Format((uint)start) : $"{IPv4Family.Format((uint)start)}/{32 - bits}";
            start += 1L << bits;
        }
    }
}
