using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.UnitTests.Core.Aggregation;

/// <summary>The worked examples of docs/minemeld-engine.md, "Exact-match aggregation" (MineMeld's test_ft_op).</summary>
public sealed class ExactAggregatorTests
{
    private const string Indicator = "evil.example.com";
    private readonly SortedDictionary<string, JsonObject> _rows = new(StringComparer.Ordinal);
    private readonly AggregatorCounters _counters = new();

    private static JsonObject V(string json) => JsonNode.Parse(json)!.AsObject();

    private static ExactAggregator Node(params string[] whitelistPrefixes) => new(new WhitelistPolicy(["s1", "s2", "s3"], whitelistPrefixes));

    private static string Show(IReadOnlyList<Emission> emissions) =>
        string.Join(" | ", emissions.Select(static e => $"{(e.Op == MessageOp.Update ? "U" : "W")} {e.Indicator} {e.Value.ToTree()?.ToJsonString() ?? "null"}"));

    [Fact]
    public void UpdatesMergeInInputOrderAndWithdrawsFallBack()
    {
        var node = Node();
        Assert.Equal("""U evil.example.com {"sources":["s1s"],"s1$a":1}""", Show(node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"],"s1$a":1}"""), _counters)));
        Assert.Equal("""U evil.example.com {"sources":["s1s","s2s"],"s1$a":1,"s2$a":2}""", Show(node.Update(_rows, "s2", Indicator, V("""{"sources":["s2s"],"s2$a":2}"""), _counters)));
        Assert.Equal("""U evil.example.com {"sources":["s1s"],"s1$a":1}""", Show(node.Withdraw(_rows, "s2", Indicator, null, _counters)));
        Assert.Equal("""W evil.example.com {"sources":["s1s"],"s1$a":1}""", Show(node.Withdraw(_rows, "s1", Indicator, null, _counters)));
        Assert.Empty(_rows);
    }

    [Fact]
    public void MergeOrderIsTheInputOrderNotTheArrivalOrder()
    {
        var node = Node();
        node.Update(_rows, "s2", Indicator, V("""{"sources":["s2s"],"share_level":"red"}"""), _counters);
        var emitted = node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"],"share_level":"green"}"""), _counters);
        Assert.Equal("""U evil.example.com {"sources":["s1s","s2s"],"share_level":"red"}""", Show(emitted));
    }

    [Fact]
    public void AWhitelistEntryWithdrawsTheIndicator()
    {
        var node = Node("s2");
        Assert.StartsWith("U ", Show(node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"]}"""), _counters)), StringComparison.Ordinal);
        Assert.Equal("W evil.example.com null", Show(node.Update(_rows, "s2", Indicator, V("""{"sources":["wl"]}"""), _counters)));
        Assert.Empty(node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"],"x":1}"""), _counters));
    }

    [Fact]
    public void TwoWhitelistsMustBothGoBeforeTheIndicatorResurfaces()
    {
        var node = Node("s2", "s3");
        node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"]}"""), _counters);
        Assert.Equal("W evil.example.com null", Show(node.Update(_rows, "s2", Indicator, V("{}"), _counters)));
        Assert.Empty(node.Update(_rows, "s3", Indicator, V("{}"), _counters));
        Assert.Empty(node.Withdraw(_rows, "s3", Indicator, null, _counters));
        Assert.Equal("""U evil.example.com {"sources":["s1s"]}""", Show(node.Withdraw(_rows, "s2", Indicator, null, _counters)));
    }

    [Fact]
    public void AWithdrawOfAnotherTypeIsIgnored()
    {
        var node = Node();
        node.Update(_rows, "s1", Indicator, V("""{"type":"a","sources":["s1s"]}"""), _counters);
        Assert.Empty(node.Withdraw(_rows, "s1", Indicator, V("""{"type":"b"}"""), _counters));
        Assert.Equal(1, _counters.WithdrawIgnored);
        Assert.StartsWith("W evil.example.com ", Show(node.Withdraw(_rows, "s1", Indicator, V("""{"type":"a"}"""), _counters)), StringComparison.Ordinal);
    }

    [Fact]
    public void ReservedAttributesMergeByTheirRules()
    {
        var node = Node();
        node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"],"first_seen":10,"last_seen":25,"confidence":20,"direction":"inbound"}"""), _counters);
        var emitted = node.Update(_rows, "s2", Indicator, V("""{"sources":["s2s"],"first_seen":5,"last_seen":20,"confidence":30,"direction":"inbound"}"""), _counters);
        Assert.Equal("""U evil.example.com {"sources":["s1s","s2s"],"first_seen":5,"last_seen":25,"confidence":30,"direction":"inbound"}""", Show(emitted));
    }

    [Fact]
    public void UnknownWithdrawsAreHarmlessAndReplaysAreIdempotent()
    {
        var node = Node();
        Assert.Empty(node.Withdraw(_rows, "s1", Indicator, null, _counters));
        var first = Show(node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"]}"""), _counters));
        var replay = Show(node.Update(_rows, "s1", Indicator, V("""{"sources":["s1s"]}"""), _counters));
        Assert.Equal(first, replay);
        Assert.Single(_rows);
    }

    [Fact]
    public void IgnoreCasesLowerCasesIndicators()
    {
        var node = new ExactAggregator(new WhitelistPolicy(["s1"], []), ignoreCase: true);
        Assert.Equal("evil.example.com", node.Update(_rows, "s1", "Evil.Example.COM", V("{}"), _counters)[0].Indicator);
    }
}
