using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;

namespace Minemeld.Streams.UnitTests.Core.Indicators;

public sealed class AttributeMergerTests
{
    private static JsonObject Merge(bool lists, params string[] values)
    {
        var merged = AttributeMerger.NewAccumulator();
        foreach (var value in values)
        {
            AttributeMerger.MergeInto(merged, JsonNode.Parse(value)!.AsObject(), lists);
        }

        return merged;
    }

    /// <summary>Spec §5.1 (test_ft_op): first_seen min, last_seen max, confidence max, direction keep-first.</summary>
    [Fact]
    public void MineMeldMergeExample()
    {
        var merged = Merge(
            false,
            """{"sources":["s1s"],"first_seen":10,"last_seen":25,"confidence":20,"direction":"inbound"}""",
            """{"sources":["s2s"],"first_seen":5,"last_seen":20,"confidence":30,"direction":"outbound"}""");
        Assert.Equal("""{"sources":["s1s","s2s"],"first_seen":5,"last_seen":25,"confidence":30,"direction":"inbound"}""", merged.ToJsonString());
    }

    [Fact]
    public void SourcesAreAnOrderedUnionAndOtherKeysLastWriterWins()
    {
        var merged = Merge(
            false,
            """{"sources":["a","b"],"type":"IPv4","share_level":"green","country":"CN","s1$a":1}""",
            """{"sources":["b","c"],"type":"domain","share_level":"red","country":"DE","s2$a":2}""");
        Assert.Equal(["a", "b", "c"], merged["sources"]!.AsArray().Select(static n => n!.GetValue<string>()));
        Assert.Equal("IPv4", merged["type"]!.GetValue<string>());
        Assert.Equal("CN", merged["country"]!.GetValue<string>());
        Assert.Equal("red", merged["share_level"]!.GetValue<string>());
        Assert.True(merged.ContainsKey("s1$a") && merged.ContainsKey("s2$a"), "only the first character makes a key private");
    }

    [Fact]
    public void PrivateKeysAreNeverMerged()
    {
        var merged = Merge(false, """{"_age_out":5,"$tmp":1,"x":1}""");
        Assert.False(merged.ContainsKey("_age_out"));
        Assert.False(merged.ContainsKey("$tmp"));
    }

    [Fact]
    public void ListMergeConcatenatesListsKeepingDuplicatesAndAScalarReplacesAList()
    {
        Assert.Equal("[1,2,2,3]", Merge(true, """{"tags":[1,2]}""", """{"tags":[2,3]}""")["tags"]!.ToJsonString());
        Assert.Equal("[2,3]", Merge(false, """{"tags":[1,2]}""", """{"tags":[2,3]}""")["tags"]!.ToJsonString());
        Assert.Equal("\"x\"", Merge(true, """{"tags":[1,2]}""", """{"tags":"x"}""")["tags"]!.ToJsonString());
    }

    [Fact]
    public void MergedValuesAreCopiesNotShared()
    {
        var source = JsonNode.Parse("""{"sources":["a"],"extra":{"k":1}}""")!.AsObject();
        var merged = AttributeMerger.NewAccumulator();
        AttributeMerger.MergeInto(merged, source);
        merged["extra"]!["k"] = 2;
        Assert.Equal(1, source["extra"]!["k"]!.GetValue<int>());
    }

    [Fact]
    public void StripRulesDifferBetweenEmitAndReceive()
    {
        var emitted = JsonNode.Parse("""{"_age_out":1,"$tmp":2,"s1$a":3,"type":"IPv4"}""")!.AsObject();
        IndicatorValue.StripForEmit(emitted);
        Assert.Equal("""{"s1$a":3,"type":"IPv4"}""", emitted.ToJsonString());
        var received = JsonNode.Parse("""{"_age_out":1,"$tmp":2}""")!.AsObject();
        IndicatorValue.StripOnReceive(received);
        Assert.Equal("""{"$tmp":2}""", received.ToJsonString());
    }
}
