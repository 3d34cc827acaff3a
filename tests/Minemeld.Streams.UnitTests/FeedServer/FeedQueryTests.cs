using Minemeld.Streams.FeedServer.Feeds;

namespace Minemeld.Streams.UnitTests.FeedServer;

/// <summary>
/// The parameters of <c>/feeds/&lt;feed&gt;</c>: MineMeld's defaults, Python's <c>int()</c> for numbers, its 400
/// messages for what does not parse, and a fingerprint that changes exactly when the body would.
/// </summary>
public sealed class FeedQueryTests
{
    private static FeedQuery Parse(string query)
    {
        Assert.True(FeedQuery.TryParse(query, out var parsed, out var error), error);
        return parsed;
    }

    [Fact]
    public void NoParametersIsThePlainWholeFeedInAscendingOrder()
    {
        var query = Parse(string.Empty);
        Assert.Equal((FeedFormat.Plain, 0L, FeedQuery.Unlimited, false, false, false), (query.Format, query.Start, query.Count, query.Descending, query.TranslateRanges, query.Summarize));
        Assert.Equal([("indicator", "indicator")], query.Fields);
        Assert.True(query.Header);
        Assert.False(query.Bom);
        Assert.Equal(("string", "bc_category", "MieneMeld Generated Report", 100), (query.ListType, query.CategoryAttribute, query.ReportTitle, query.ReportScore));
    }

    [Theory]
    [InlineData("v=json", FeedFormat.Json)]
    [InlineData("v=json-seq", FeedFormat.JsonSeq)]
    [InlineData("v=csv", FeedFormat.Csv)]
    [InlineData("v=mwg", FeedFormat.Mwg)]
    [InlineData("v=bluecoat", FeedFormat.BlueCoat)]
    [InlineData("v=panosurl", FeedFormat.PanosUrl)]
    [InlineData("v=carbonblack", FeedFormat.CarbonBlack)]
    [InlineData("v=stix", FeedFormat.Stix)]
    [InlineData("?v=json&s=1", FeedFormat.Json)]
    public void EveryFormatIsNamedByV(string query, FeedFormat format) => Assert.Equal(format, Parse(query).Format);

    [Theory]
    [InlineData("v=xml", "unknown format")]
    [InlineData("v=JSON", "unknown format")]
    [InlineData("s=-1", "s should be a positive integer")]
    [InlineData("s=abc", "s should be a positive integer")]
    [InlineData("s=1.5", "s should be a positive integer")]
    [InlineData("n=0", "n should be a positive integer")]
    [InlineData("n=-3", "n should be a positive integer")]
    [InlineData("tr=yes", "tr should be an integer")]
    [InlineData("h=no", "h should be an integer")]
    [InlineData("ubom=x", "ubom should be an integer")]
    public void WhatDoesNotParseIsRefusedWithMineMeldsMessage(string query, string message)
    {
        Assert.False(FeedQuery.TryParse(query, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("s=%205%20", 5L)]
    [InlineData("s=+7", 7L)]
    [InlineData("s=0", 0L)]
    [InlineData("s=007", 7L)]
    public void NumbersReadAsPythonsIntReadsThem(string query, long start) => Assert.Equal(start, Parse(query).Start);

    [Fact]
    public void RangesAreTranslatedByTrOrForAnIpMwgListButNeverWhenSummarised()
    {
        Assert.True(Parse("tr=1").TranslateRanges);
        Assert.True(Parse("tr=-2").TranslateRanges);
        Assert.False(Parse("tr=0").TranslateRanges);
        Assert.True(Parse("v=mwg&t=ip").TranslateRanges);
        Assert.False(Parse("v=mwg&t=string").TranslateRanges);
        Assert.True(Parse("sum=1").Summarize);
        Assert.False(Parse("sum=1&tr=1").TranslateRanges);
        Assert.False(Parse("v=json&sum=1").Summarize); // sum is a plain-text option
    }

    [Fact]
    public void CsvFieldsSplitAtTheirLastPipeAndFlagsAreReadByPresence()
    {
        var query = Parse("v=csv&f=indicator&f=confidence|conf&f=a|b|c&h=0&ubom=1");
        Assert.Equal([("indicator", "indicator"), ("confidence", "conf"), ("a|b", "c")], query.Fields);
        Assert.False(query.Header);
        Assert.True(query.Bom);
        var panos = Parse("v=panosurl&sp&di&nsl");
        Assert.True(panos.StripPort && panos.DropInvalid && panos.NoSlash);
        var bluecoat = Parse("v=bluecoat&ca=cat&cd=one&cd=two");
        Assert.Equal("cat", bluecoat.CategoryAttribute);
        Assert.Equal(["one", "two"], bluecoat.DefaultCategories);
        Assert.Equal(("Report", 70), (Parse("v=carbonblack&rt=Report&rs=70").ReportTitle, Parse("v=carbonblack&rt=Report&rs=70").ReportScore));
        Assert.Equal(100, Parse("rs=high").ReportScore); // an unreadable score keeps the default, as MineMeld did
    }

    /// <summary>Oracle: two queries render the same body exactly when their format and the parameters it reads agree.</summary>
    [Theory]
    [InlineData("", "sp=1", true)]                      // plain ignores panosurl's flags
    [InlineData("", "s=1", false)]
    [InlineData("", "d=1", false)]
    [InlineData("", "tr=1", false)]
    [InlineData("v=bluecoat", "v=bluecoat&s=5&n=2&d=1", true)] // bluecoat reads the whole feed whatever s, n, d say
    [InlineData("v=bluecoat", "v=bluecoat&cd=x", false)]
    [InlineData("v=csv&f=a", "v=csv&f=a|a", true)]
    [InlineData("v=csv&f=a", "v=csv&f=a|b", false)]
    [InlineData("v=csv", "v=csv&h=0", false)]
    [InlineData("v=mwg&t=ip", "v=mwg&t=ip&tr=1", true)]
    [InlineData("v=mwg", "v=mwg&t=ip", false)]
    [InlineData("v=json", "v=json-seq", false)]
    [InlineData("v=carbonblack&rs=90", "v=carbonblack&rs=91", false)]
    public void TheFingerprintChangesExactlyWhenTheBodyWould(string left, string right, bool same) =>
        Assert.Equal(same, Parse(left).Fingerprint() == Parse(right).Fingerprint());
}
