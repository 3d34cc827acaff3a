using System.Text;
using System.Net;

using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>Every format against MineMeld's captured examples (docs/feed-api.md), byte for byte.</summary>
[Trait("Category", "Integration")]
public sealed class FeedFormatTests(RedisFixture redis)
{
    internal const string Graph = """
        name: demo
        nodes:
          wl:
            prototype: stdlib.listIPv4Generic
            output: true
          inboundfeedhc:
            prototype: stdlib.feedHCWithValue
            inputs: [wl]
          urlfeed:
            prototype: stdlib.feedHCWithValue
            inputs: [wl]
          cbfeed:
            prototype: stdlib.feedHCWithValue
            inputs: [wl]
          emptyfeed:
            prototype: stdlib.feedHCWithValue
            inputs: [wl]
          bigfeed:
            prototype: stdlib.feedHCGreen
            inputs: [wl]
        """;

    private static string Value(long lastSeen) =>
        $$"""{"type":"IPv4","confidence":100,"sources":["localdb"],"share_level":"red","last_seen":{{lastSeen}}}""";

    private static async Task<FeedServerHost> StartAsync(RedisFixture redis, TimeProvider? time = null)
    {
        var host = await FeedServerHost.StartAsync(redis, Graph, usersYaml: null, time: time);
        await host.FillAsync("inboundfeedhc",
        [
            ("192.168.0.0-192.168.0.255", 1700000000000, Value(1700000000000)),
            ("1.1.1.0-1.1.1.33", 1700000100000, Value(1700000100000)),
            ("10.0.0.5-10.0.0.5", 1700000100000, Value(1700000100000)),
        ]);
        return host;
    }

    private static async Task<(HttpStatusCode Status, string? ContentType, string Body)> GetAsync(FeedServerHost host, string url)
    {
        using var response = await host.Client().GetAsync(url, TestContext.Current.CancellationToken);
        return (response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PlainMatchesTheCapturedExamples()
    {
        await using var host = await StartAsync(redis);
        var plain = await GetAsync(host, "/feeds/inboundfeedhc");
        Assert.Equal(HttpStatusCode.OK, plain.Status);
        Assert.Equal("text/plain; charset=utf-8", plain.ContentType);
        Assert.Equal("192.168.0.0-192.168.0.255\n1.1.1.0-1.1.1.33\n10.0.0.5-10.0.0.5\n", plain.Body);
        Assert.Equal("10.0.0.5-10.0.0.5\n1.1.1.0-1.1.1.33\n192.168.0.0-192.168.0.255\n", (await GetAsync(host, "/feeds/inboundfeedhc?d=1")).Body);
        Assert.Equal("1.1.1.0-1.1.1.33\n", (await GetAsync(host, "/feeds/inboundfeedhc?s=1&n=1")).Body);
        Assert.Equal("192.168.0.0/24\n1.1.1.0/27\n1.1.1.32/31\n10.0.0.5\n", (await GetAsync(host, "/feeds/inboundfeedhc?tr=1")).Body);
        Assert.Equal("1.1.1.0/27\n1.1.1.32/31\n10.0.0.5/32\n192.168.0.0/24\n", (await GetAsync(host, "/feeds/inboundfeedhc?sum=1")).Body);
        Assert.Equal("\n", (await GetAsync(host, "/feeds/emptyfeed")).Body);
    }

    [Fact]
    public async Task JsonJsonSeqCsvAndMwgMatchTheCapturedExamples()
    {
        await using var host = await StartAsync(redis);
        var json = await GetAsync(host, "/feeds/inboundfeedhc?v=json&tr=1");
        Assert.Equal("application/json", json.ContentType);
        Assert.Equal(
            "[\n" +
            $$"""{"indicator":"192.168.0.0/24","value":{{Value(1700000000000)}}},""" + "\n" +
            $$"""{"indicator":"1.1.1.0/27","value":{{Value(1700000100000)}}},""" + "\n" +
            $$"""{"indicator":"1.1.1.32/31","value":{{Value(1700000100000)}}},""" + "\n" +
            $$"""{"indicator":"10.0.0.5","value":{{Value(1700000100000)}}}]""" + "\n",
            json.Body);
        Assert.Equal("[\n]\n", (await GetAsync(host, "/feeds/emptyfeed?v=json")).Body);

        var seq = await GetAsync(host, "/feeds/inboundfeedhc?v=json-seq");
        Assert.Equal("application/json-seq", seq.ContentType);
        Assert.Equal(
            $$"""{"indicator":"192.168.0.0-192.168.0.255","value":{{Value(1700000000000)}}}""".Insert(0, "\u001e") + "\n" +
            $$"""{"indicator":"1.1.1.0-1.1.1.33","value":{{Value(1700000100000)}}}""".Insert(0, "\u001e") + "\n" +
            $$"""{"indicator":"10.0.0.5-10.0.0.5","value":{{Value(1700000100000)}}}""".Insert(0, "\u001e") + "\n",
            seq.Body);

        var csv = await GetAsync(host, "/feeds/inboundfeedhc?v=csv&f=indicator&f=confidence&f=sources|feeds&tr=1");
        Assert.Equal("text/csv; charset=utf-8", csv.ContentType);
        Assert.Equal("indicator,confidence,feeds\r\n192.168.0.0/24,100,localdb\r\n1.1.1.0/27,100,localdb\r\n1.1.1.32/31,100,localdb\r\n10.0.0.5,100,localdb\r\n", csv.Body);
        var noHeader = await host.Client().GetByteArrayAsync("/feeds/inboundfeedhc?v=csv&h=0&ubom=1&n=1", TestContext.Current.CancellationToken);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("192.168.0.0-192.168.0.255\r\n")], noHeader);

        var mwg = await GetAsync(host, "/feeds/inboundfeedhc?v=mwg&t=ip");
        Assert.Equal("type=ip\n\"192.168.0.0/24\" \"localdb\"\n\"1.1.1.0/27\" \"localdb\"\n\"1.1.1.32/31\" \"localdb\"\n\"10.0.0.5\" \"localdb\"\n", mwg.Body);
        Assert.Equal("type=string\n\"192.168.0.0-192.168.0.255\" \"localdb\"\n", (await GetAsync(host, "/feeds/inboundfeedhc?v=mwg&n=1")).Body);
    }

    [Fact]
    public async Task PanosUrlAndBlueCoatMatchTheCapturedExamples()
    {
        await using var host = await StartAsync(redis);
        string[] urls = ["*abc.example.com/foobar?a=:80", "http://*.feyda.net/hOeDr4.php", "http://7-eleven-handbags.com/X1rZYp.php", "http://www.example.com:1000", "https://*abc.*test.com"];
        await host.FillAsync("urlfeed", urls.Select((u, i) => (u, 1000.0 + i, (string?)"""{"type":"URL"}""")));
        Assert.Equal(
            "example.com/foobar?a=:80\n*.example.com/foobar?a=:80\nfeyda.net/hoedr4.php\n*.feyda.net/hoedr4.php\n7-eleven-handbags.com/x1rzyp.php\n",
            (await GetAsync(host, "/feeds/urlfeed?v=panosurl")).Body);
        Assert.Equal("feyda.net/hoedr4.php\n*.feyda.net/hoedr4.php\n7-eleven-handbags.com/x1rzyp.php\n", (await GetAsync(host, "/feeds/urlfeed?v=panosurl&di=1")).Body);
        Assert.EndsWith("www.example.com/\n", (await GetAsync(host, "/feeds/urlfeed?v=panosurl&sp=1")).Body, StringComparison.Ordinal);
        Assert.EndsWith("7-eleven-handbags.com/x1rzyp.php\nwww.example.com\n", (await GetAsync(host, "/feeds/urlfeed?v=panosurl&sp=1&nsl=1")).Body, StringComparison.Ordinal);

        Assert.Equal(string.Empty, (await GetAsync(host, "/feeds/urlfeed?v=bluecoat")).Body);
        Assert.Equal(
            "define category test\n*.example.com/foobar?a=:80\n*.feyda.net/hoedr4.php\n7-eleven-handbags.com/x1rzyp.php\nwww.example.com:1000\n*.*.com\nend\n",
            (await GetAsync(host, "/feeds/urlfeed?v=bluecoat&cd=test")).Body);
    }

    [Fact]
    public async Task CarbonBlackMatchesTheCapturedShape()
    {
        await using var host = await StartAsync(redis, new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1700000000)));
        await host.FillAsync("cbfeed", [("10.0.0.0/30", 1, """{"type":"IPv4"}"""), ("Evil.COM", 2, """{"type":"domain"}"""), ("nothing.example", 3, null)]);
        var body = (await GetAsync(host, "/feeds/cbfeed?v=carbonblack")).Body;
        Assert.StartsWith("{\n\"feedinfo\": {\n  \"category\": \"MineMeld\",  \"icon\": \"", body, StringComparison.Ordinal);
        Assert.EndsWith(
            "\"summary\": \"Indicators routed through MineMeld\",  \"tech_data\": \"Indicators routed through MineMeld\",  \"name\": \"cbfeed\"\n},\n" +
            "\"reports\": [{  \"timestamp\": 1700000000,  \"id\": \"cbfeed_report\",  \"link\": \"https://live.paloaltonetworks.com/t5/MineMeld/ct-p/MineMeld\",  \"score\": 100," +
            "  \"description\": \"MineMeld Generated Report\",  \"title\": \"MieneMeld Generated Report\",    \"iocs\": {        " +
            "\"ipv4\": [\"10.0.0.0\",\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\"],\"dns\": [\"evil.com\"],\"md5\": []}}]}",
            body, StringComparison.Ordinal);
        Assert.Contains("\"title\": \"a\\\"b\"", (await GetAsync(host, "/feeds/cbfeed?v=carbonblack&rt=a%22b")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainKeepsMineMeldsPageFraming()
    {
        await using var host = await StartAsync(redis);
        await host.FillAsync("bigfeed", Enumerable.Range(0, 100).Select(static i => ($"10.0.{i / 256}.{i % 256}", (double)i, (string?)null)));
        var all = (await GetAsync(host, "/feeds/bigfeed")).Body;
        Assert.EndsWith("10.0.0.99\n\n", all, StringComparison.Ordinal); // 100 read without n: one more empty page
        Assert.EndsWith("10.0.0.99\n", (await GetAsync(host, "/feeds/bigfeed?n=100")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n", (await GetAsync(host, "/feeds/bigfeed?n=100")).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=foo", "unknown format")]
    [InlineData("v=", "unknown format")]
    [InlineData("s=-1", "s should be a positive integer")]
    [InlineData("s=x", "s should be a positive integer")]
    [InlineData("n=0", "n should be a positive integer")]
    [InlineData("tr=abc", "tr should be an integer")]
    public async Task BadParametersAre400WithMineMeldsMessage(string query, string message)
    {
        await using var host = await StartAsync(redis);
        var response = await GetAsync(host, $"/feeds/inboundfeedhc?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal($"<html><body>{message}</body></html>", response.Body);
    }

    [Fact]
    public async Task AnUnknownFeedIs404WithoutFeedAuth()
    {
        await using var host = await StartAsync(redis);
        var response = await GetAsync(host, "/feeds/nosuchfeed");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("<html><body>Unknown feed</body></html>", response.Body);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(host, "/feeds/wl")).Status); // a miner is not a feed
    }

    internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
