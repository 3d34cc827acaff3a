using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

public sealed class RangeListReaderTests
{
    private static string Merge(string text, List<RangeLineError>? errors = null)
    {
        var list = RangeListReader.Read(text, "input.txt", errors ?? []);
        using var writer = new StringWriter();
        RangeListWriter.WriteCidrs(list, writer);
        return writer.ToString();
    }

    [Fact]
    public void PrintsMinimalCidrsWithBareSingleAddressesIPv4First()
    {
        var text = "2001:db8::1\n10.0.0.1\n10.0.0.0/30\n10.0.0.8-10.0.0.9\n1.2.3.4\n2001:db8::/127\n";
        Assert.Equal("1.2.3.4\n10.0.0.0/30\n10.0.0.8/31\n2001:db8::/127\n", Merge(text));
    }

    [Fact]
    public void ClearsHostBitsOfCidrsAsIprangeDoes() => Assert.Equal("1.1.1.0/24\n", Merge("1.1.1.17/24\n"));

    [Fact]
    public void SkipsCommentsBlankLinesAndTrailingCommentsAndAcceptsSpacedRanges() =>
        Assert.Equal("10.0.0.0/31\n192.168.0.0/24\n", Merge("# header\n; other\n\n10.0.0.0 first\n10.0.0.1\t# second\n192.168.0.0 - 192.168.0.255 net\n"));

    [Fact]
    public void ReportsEveryBadLineWithItsNumberAndKeepsTheRest()
    {
        var errors = new List<RangeLineError>();
        var output = Merge("10.0.0.1\n300.1.1.1\n10.0.0.9-10.0.0.2\n1.2.3.4/33\nexample.com\n010.1.1.1\n10.0.0.2\n", errors);
        Assert.Equal("10.0.0.1\n10.0.0.2\n", output);
        Assert.Equal([2, 3, 4, 5, 6], errors.Select(static e => e.Line));
        Assert.All(errors, static e => Assert.Equal("input.txt", e.Source));
        Assert.Contains("range start is above its end", errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("prefix length", errors[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AdjacentAndOverlappingRangesMergeAcrossTheWholeSpace() =>
        Assert.Equal("0.0.0.0/0\n", Merge("0.0.0.0/1\n128.0.0.0-255.255.255.254\n255.255.255.255\n"));
}
