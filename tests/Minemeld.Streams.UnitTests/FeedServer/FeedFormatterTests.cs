using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.FeedServer.Feeds.Formats;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.UnitTests.FeedServer;

/// <summary>
/// The feed formatters on an in-memory snapshot, no server: what each format writes for a small feed, MineMeld's
/// paging over <c>s</c>, <c>n</c> and <c>d</c>, range translation and summarising against a per-address oracle.
/// </summary>
public sealed class FeedFormatterTests
{
    private static readonly FeedEntry[] Entries =
    [
        new("1.1.1.0-1.1.1.33", """{"type":"IPv4","confidence":90,"sources":["a"]}"""),
        new("10.0.0.7-10.0.0.7", """{"type":"IPv4","confidence":40,"sources":["a","b"]}"""),
        new("10.0.0.8-10.0.0.15", null),
    ];

    private static async Task<string> RenderAsync(string queryString, IReadOnlyList<FeedEntry>? entries = null, int pageSize = 1000)
    {
        Assert.True(FeedQuery.TryParse(queryString, out var query, out var error), error);
        using var body = new MemoryStream();
        var output = new FeedOutput(body, copy: null);
        var formatter = FeedFormatters.For(query, carbonBlackMaxAddresses: 1 << 16);
        await formatter.WriteAsync(new FeedRenderContext("feed", new InMemorySnapshot(1, entries ?? Entries), query, output, pageSize, TimeProvider.System), TestContext.Current.CancellationToken);
        await output.FlushAsync(TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(body.ToArray());
    }

    private static string[] Lines(string body) => body.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task PlainIsOneIndicatorPerLineInFeedOrderAndPagesAsMineMeldPaged()
    {
        var rendered1 = Lines(await RenderAsync(string.Empty));
        Assert.Equal(Entries.Select(static e => e.Indicator).ToArray(), rendered1);
        var rendered2 = Lines(await RenderAsync("d=1"));
        Assert.Equal([Entries[2].Indicator, Entries[1].Indicator, Entries[0].Indicator], rendered2);
        var rendered3 = Lines(await RenderAsync("s=1&n=1"));
        Assert.Equal([Entries[1].Indicator], rendered3);
        Assert.Empty(Lines(await RenderAsync("s=3")));

        // 250 entries read 7 at a time from the snapshot: MineMeld's pages of 100 are the same whatever the read size.
        var many = Enumerable.Range(0, 250).Select(static i => new FeedEntry($"10.1.{i / 256}.{i % 256}-10.1.{i / 256}.{i % 256}", null)).ToList();
        Assert.Equal(Lines(await RenderAsync("s=20&n=190", many)), Lines(await RenderAsync("s=20&n=190", many, pageSize: 7)));
        Assert.Equal(190, Lines(await RenderAsync("s=20&n=190", many, pageSize: 7)).Length);
    }

    [Fact]
    public async Task TrWritesEachRangeAsItsFewestCidrsAndABareAddressForASingleOne()
    {
        var rendered4 = Lines(await RenderAsync("tr=1"));
        Assert.Equal(["1.1.1.0/27", "1.1.1.32/31", "10.0.0.7", "10.0.0.8/29"], rendered4);
    }

    /// <summary>Oracle: sum covers exactly the addresses of the entries, with CIDRs that neither overlap nor touch a mergeable sibling.</summary>
    [Fact]
    public async Task SumCoversExactlyTheFeedsAddressesWithTheFewestCidrs()
    {
        var random = new Random(11);
        var entries = Enumerable.Range(0, 60).Select(_ =>
        {
            var start = (uint)random.Next(0, 4096);
            var end = start + (uint)random.Next(0, 40);
            return new FeedEntry($"{Address(start)}-{Address(end)}", null);
        }).ToList();
        var expected = entries.SelectMany(static e => Expand(e.Indicator)).ToHashSet();
        var cidrs = Lines(await RenderAsync("sum=1", entries));
        var covered = cidrs.SelectMany(static c => Expand(c)).ToList();
        Assert.Equal(covered.Count, covered.Distinct().Count()); // no overlap
        Assert.True(expected.SetEquals(covered));
        var blocks = cidrs.Select(static c => (Start: Number(c.Split('/')[0]), Prefix: c.Contains('/') ? int.Parse(c.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture) : 32)).ToHashSet();
        foreach (var (start, prefix) in blocks.Where(static b => b.Prefix > 0))
        {
            var size = 1u << (32 - prefix);
            var sibling = (start ^ size, prefix);
            Assert.False(blocks.Contains(sibling), $"{Address(start)}/{prefix} and its sibling should have been one /{prefix - 1}");
        }
    }

    [Fact]
    public async Task JsonCarriesEachStoredValueAndNullWhereNoneIsStored()
    {
        var json = JsonNode.Parse(await RenderAsync("v=json"))!.AsArray();
        Assert.Equal(Entries.Select(static e => e.Indicator).ToArray(), json.Select(static o => o!["indicator"]!.GetValue<string>()).ToArray());
        Assert.Equal(90, json[0]!["value"]!["confidence"]!.GetValue<int>());
        Assert.Null(json[2]!["value"]);
        var records = Lines(await RenderAsync("v=json-seq"));
        Assert.All(records, static r => Assert.StartsWith("\u001e", r, StringComparison.Ordinal));
        Assert.Equal(3, records.Length);
    }

    [Fact]
    public async Task CsvWritesTheAskedColumnsUnderTheirNames()
    {
        var rows = (await RenderAsync("v=csv&f=indicator&f=confidence|conf")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["indicator,conf", "1.1.1.0-1.1.1.33,90", "10.0.0.7-10.0.0.7,40", "10.0.0.8-10.0.0.15,"], rows);
        var headless = (await RenderAsync("v=csv&h=0")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Entries.Select(static e => e.Indicator).ToArray(), headless);
        Assert.StartsWith("\uFEFF", await RenderAsync("v=csv&ubom=1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MwgIsATypedListOfQuotedEntriesWithTheirSources()
    {
        var lines = Lines(await RenderAsync("v=mwg&t=ip"));
        Assert.Equal("type=ip", lines[0]);
        Assert.Contains("\"10.0.0.7\" \"a,b\"", lines);
        Assert.Contains("\"1.1.1.0/27\" \"a\"", lines);
    }

    private static IEnumerable<uint> Expand(string indicator)
    {
        uint first, last;
        if (indicator.Contains('-', StringComparison.Ordinal))
        {
            (first, last) = (Number(indicator.Split('-')[0]), Number(indicator.Split('-')[1]));
        }
        else if (indicator.Contains('/', StringComparison.Ordinal))
        {
            var prefix = int.Parse(indicator.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);
            first = Number(indicator.Split('/')[0]);
            last = first + (uint)((1UL << (32 - prefix)) - 1);
        }
        else
        {
            first = last = Number(indicator);
        }

        for (var a = first; ; a++)
        {
            yield return a;
            if (a == last)
            {
                yield break;
            }
        }
    }

    private static uint Number(string address) => address.Split('.').Select(static p => uint.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).Aggregate(0u, static (n, p) => (n << 8) | p);

    private static string Address(uint n) => $"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}";
}
