using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.UnitTests.Core.Filters;

public sealed class FilterSetTests
{
    private static FilterSet Build(string json)
    {
        var errors = new List<string>();
        var set = FilterSet.FromConfig(JsonNode.Parse(json), (path, message) => errors.Add($"{path}: {message}"));
        Assert.Empty(errors);
        return set;
    }

    private static FilterDecision Decide(FilterSet set, string? value, string method = "update") =>
        set.Evaluate(new FilterContext(value is null ? null : JsonNode.Parse(value)!.AsObject(), "1.2.3.4", method, "src"));

    [Fact]
    public void NoFiltersAndNoDecidingMatchAccept()
    {
        Assert.Equal(FilterDecision.Accept, Decide(FilterSet.Empty, "{}"));
        var set = Build("""[{"name":"tag","conditions":["type == 'IPv4'"],"actions":["log"]}]""");
        Assert.Equal(FilterDecision.Accept, Decide(set, """{"type":"IPv4"}"""));
    }

    [Fact]
    public void FirstMatchingFilterWithAcceptOrDropDecidesAndOthersFallThrough()
    {
        var set = Build("""
            [
              {"name":"no decision","conditions":["type == 'IPv4'"],"actions":["tag"]},
              {"name":"drop low","conditions":["type == 'IPv4'","confidence < 50"],"actions":["drop"]},
              {"name":"accept ipv4","conditions":["type == 'IPv4'"],"actions":["log","accept","drop"]},
              {"name":"drop all","actions":["drop"]}
            ]
            """);
        Assert.Equal(FilterDecision.Drop, Decide(set, """{"type":"IPv4","confidence":10}"""));
        Assert.Equal(FilterDecision.Accept, Decide(set, """{"type":"IPv4","confidence":90}"""));
        Assert.Equal(FilterDecision.Drop, Decide(set, """{"type":"URL"}"""));
    }

    [Fact]
    public void MalformedFiltersAreReportedWithTheirPathAndGoodOnesKept()
    {
        var errors = new List<string>();
        var set = FilterSet.FromConfig(
            JsonNode.Parse("""[{"conditions":["x >"],"actions":["drop"]},{"actions":[]},"text",{"name":"ok","actions":["accept"]}]"""),
            (path, message) => errors.Add(path));
        Assert.Equal(["0/conditions/0", "1/actions", "2"], errors);
        Assert.Equal("ok", Assert.Single(set.Filters).Name);
    }

    [Theory]
    [InlineData("stdlib.feedHCGreen", """{"confidence":75,"share_level":"green"}""", FilterDecision.Accept)]
    [InlineData("stdlib.feedHCGreen", """{"confidence":74,"share_level":"green"}""", FilterDecision.Drop)]
    [InlineData("stdlib.feedHCGreen", """{"confidence":100,"share_level":"red"}""", FilterDecision.Drop)]
    [InlineData("stdlib.feedMCGreen", """{"confidence":74,"share_level":"green"}""", FilterDecision.Accept)]
    [InlineData("stdlib.feedMCGreen", """{"confidence":50,"share_level":"green"}""", FilterDecision.Accept)]
    [InlineData("stdlib.feedLCGreen", """{"confidence":49,"share_level":"green"}""", FilterDecision.Accept)]
    [InlineData("stdlib.feedLCGreen", """{"share_level":"green"}""", FilterDecision.Drop)]
    [InlineData("stdlib.feedHCGreen", null, FilterDecision.Drop)]
    [InlineData("stdlib.aggregatorIPv4Inbound", """{"type":"IPv4","direction":"inbound"}""", FilterDecision.Accept)]
    [InlineData("stdlib.aggregatorIPv4Inbound", """{"type":"IPv4"}""", FilterDecision.Accept)]
    [InlineData("stdlib.aggregatorIPv4Inbound", """{"type":"IPv4","direction":"outbound"}""", FilterDecision.Drop)]
    [InlineData("stdlib.aggregatorIPv4Outbound", """{"type":"IPv4","direction":"outbound"}""", FilterDecision.Accept)]
    [InlineData("stdlib.aggregatorIPv4Generic", """{"type":"IPv6"}""", FilterDecision.Drop)]
    public void StdlibInfiltersUseTheConfidenceBandsWithoutAHole(string prototype, string? value, FilterDecision expected)
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve(prototype, out var p, out _));
        var set = Build(p.Config["infilters"]!.ToJsonString());
        Assert.Equal(expected, Decide(set, value));
    }

    [Fact]
    public void StdlibFiltersAcceptWithdrawsWithoutAValue()
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("stdlib.feedHCGreen", out var feed, out _));
        Assert.Equal(FilterDecision.Accept, Decide(Build(feed.Config["infilters"]!.ToJsonString()), null, "withdraw"));
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("stdlib.aggregatorMutex", out var mutex, out _));
        Assert.Equal(FilterDecision.Drop, Decide(Build(mutex.Config["infilters"]!.ToJsonString()), null, "withdraw"));
    }
}
