using System.Net;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary><c>tr=1</c> and <c>sum</c> against an independent per-address computation; <c>s</c>, <c>n</c>, <c>d</c> against slices.</summary>
[Trait("Category", "Integration")]
public sealed class FeedRangeAndPagingTests(RedisFixture redis)
{
    [Fact]
    public async Task TranslationAndSummaryCoverExactlyTheRangesWithMinimalBlocks()
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null);
        var random = new Random(7);
        var ranges = new List<(uint Start, uint End)>();
        for (var i = 0; i < 300; i++)
        {
            var start = (uint)random.Next(0, 1 << 14);
            ranges.Add((start, start + (uint)random.Next(0, 700)));
        }

        static string Address(uint a) => new IPAddress([10, 20, (byte)(a >> 8), (byte)a]).ToString();
        static uint Offset(string a) => (uint)((IPAddress.Parse(a).GetAddressBytes()[2] << 8) | IPAddress.Parse(a).GetAddressBytes()[3]);
        var entries = ranges.Select((r, i) => ($"{Address(r.Start)}-{Address(r.End)}", (double)i, (string?)null)).Distinct().ToList();
        await host.FillAsync("bigfeed", entries);
        var client = host.Client();

        // tr=1: each entry becomes CIDRs that cover exactly its range, each block maximal for its alignment.
        var translated = (await client.GetStringAsync("/feeds/bigfeed?tr=1&n=100000", TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var covered = new List<(uint, uint)>();
        foreach (var line in translated)
        {
            var (network, prefix) = line.Contains('/') ? (line[..line.IndexOf('/')], int.Parse(line[(line.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture)) : (line, 32);
            Assert.True(prefix != 32 || !line.Contains('/'), $"a single address is printed bare: {line}");
            var size = 1u << (32 - prefix);
            var start = Offset(network);
            Assert.Equal(0u, start % size);
            covered.Add((start, start + size - 1));
        }

        var expectedCount = entries.Select(e => e.Item1).Sum(e => Blocks(Offset(e[..e.IndexOf('-')]), Offset(e[(e.IndexOf('-') + 1)..])));
        Assert.Equal(expectedCount, translated.Length);
        var expectedAddresses = ranges.SelectMany(static r => Enumerable.Range((int)r.Start, (int)(r.End - r.Start + 1))).Select(static a => (uint)a).ToHashSet();
        Assert.Equal(expectedAddresses, covered.SelectMany(static c => Enumerable.Range((int)c.Item1, (int)(c.Item2 - c.Item1 + 1))).Select(static a => (uint)a).ToHashSet());

        // sum: one minimal sorted CIDR list of the union; no two blocks overlap, touch as mergeable siblings, or go backwards.
        var summary = (await client.GetStringAsync("/feeds/bigfeed?sum=1", TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var blocks = summary.Select(l => (Start: Offset(l[..l.IndexOf('/')]), Prefix: int.Parse(l[(l.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(expectedAddresses, blocks.SelectMany(static b => Enumerable.Range((int)b.Start, 1 << (32 - b.Prefix))).Select(static a => (uint)a).ToHashSet());
        Assert.Equal(expectedAddresses.Count, blocks.Sum(static b => 1 << (32 - b.Prefix)));
        for (var i = 1; i < blocks.Count; i++)
        {
            Assert.True(blocks[i].Start > blocks[i - 1].Start);
            var mergeable = blocks[i].Prefix == blocks[i - 1].Prefix && blocks[i - 1].Start + (1u << (32 - blocks[i].Prefix)) == blocks[i].Start &&
                blocks[i - 1].Start % (2u << (32 - blocks[i].Prefix)) == 0;
            Assert.False(mergeable, $"{summary[i - 1]} and {summary[i]} should be one block");
        }
    }

    [Fact]
    public async Task NonRangeEntriesPassThroughTrAndSum()
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null);
        await host.FillAsync("urlfeed", [("evil.example/x", 1, null), ("10.0.0.0-10.0.0.3", 2, null), ("2001:db8::-2001:db8::1", 3, null), ("1.2.3.4", 4, null)]);
        var client = host.Client();
        Assert.Equal("evil.example/x\n10.0.0.0/30\n2001:db8::/127\n1.2.3.4\n", await client.GetStringAsync("/feeds/urlfeed?tr=1", TestContext.Current.CancellationToken));
        Assert.Equal("1.2.3.4/32\n10.0.0.0/30\n2001:db8::/127\nevil.example/x\n", await client.GetStringAsync("/feeds/urlfeed?sum=1", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(0, 10, false)]
    [InlineData(95, 30, false)]
    [InlineData(240, 100, false)]
    [InlineData(0, 150, true)]
    [InlineData(249, 1, true)]
    [InlineData(300, 5, false)]
    public async Task PagingReturnsTheWindowOfTheOrderedFeed(int start, int count, bool descending)
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null, new() { ["FeedServer:AtomicReadLimit"] = "50", ["FeedServer:ReadPageSize"] = "100" });
        var members = Enumerable.Range(0, 250).Select(static i => $"10.1.{i / 100}.{i % 100}").ToList();
        await host.FillAsync("bigfeed", members.Select((m, i) => (m, (double)(i / 3), (string?)null))); // ties order by member bytes
        var ordered = members.Select((m, i) => (m, i / 3)).OrderBy(static x => x.Item2).ThenBy(static x => x.m, StringComparer.Ordinal).Select(static x => x.m).ToList();
        if (descending)
        {
            ordered.Reverse();
        }

        var url = $"/feeds/bigfeed?s={start}" + (count > 0 ? $"&n={count}" : string.Empty) + (descending ? "&d=1" : string.Empty);
        var lines = (await host.Client().GetStringAsync(url, TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ordered.Skip(start).Take(count > 0 ? count : int.MaxValue), lines);
    }

    private static int Blocks(uint start, uint end)
    {
        var count = 0;
        while (true)
        {
            var size = 1u;
            while (start % (size * 2) == 0 && start + (size * 2) - 1 <= end && size < (1u << 31))
            {
                size *= 2;
            }

            count++;
            if (start + size - 1 >= end)
            {
                return count;
            }

            start += size;
        }
    }
}
