using System.Text.Json.Nodes;
using CsCheck;
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

    /// <summary>
    /// MineMeld's test_ft_op: first_seen min, last_seen max, confidence max, direction keep-first
    /// (docs/minemeld-engine.md, "Messages and attribute values").
    /// </summary>
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

    [Theory]
    [InlineData("""{"sources":["a"],"type":"IPv4","confidence":50}""")]
    [InlineData("""{"confidence":100,"share_level":"green","sources":["list"],"first_seen":1,"last_seen":2,"type":"IPv4"}""")]
    [InlineData("""{"type":"IPv4"}""")]
    [InlineData("""{"sources":"scalar","type":"IPv4"}""")]
    [InlineData("""{"type":"IPv4","sources":null}""")]
    [InlineData("""{"x":1,"sources":["a",null,"b","a",{"k":1},{"k":1}]}""")]
    [InlineData("""{"_age_out":5,"sources":["a"],"$tmp":1,"s1$a":2,"first_seen":"soon"}""")]
    [InlineData("""{}""")]
    public void NormalizingGivesWhatMergingAloneGives(string json) =>
        Assert.Equal(Merge(false, json).ToJsonString(), AttributeMerger.Normalize(JsonNode.Parse(json)!.AsObject()).ToJsonString());

    /// <summary>
    /// Property: for random values, normalizing one gives what merging it alone gives, and merging normalized values
    /// (with or without list merging) gives what merging the originals gives, so rows can be kept normalized.
    /// </summary>
    [Fact]
    public void NormalizedValuesMergeLikeTheirOriginals()
    {
        string[] keys = ["sources", "type", "first_seen", "last_seen", "confidence", "tags", "_age_out", "$tmp", "note"];
        var scalar = Gen.Int[0, 6].Select(static i => i switch
        {
            < 3 => JsonValue.Create(i),
            < 6 => JsonValue.Create("abc"[i - 3].ToString()),
            _ => (JsonNode?)null,
        });
        var node = Gen.Select(Gen.Bool, scalar, scalar.Array[0, 4]).Select(static t => t.Item1 ? t.Item2 : new JsonArray(t.Item3));
        var value = Gen.Select(Gen.Int[0, keys.Length - 1], node)
            .Array[0, 7]
            .Select(pairs =>
            {
                var obj = new JsonObject();
                foreach (var (key, item) in pairs)
                {
                    obj[keys[key]] = item?.DeepClone();
                }

                return obj.ToJsonString();
            });
        Gen.Select(value.Array[1, 4], Gen.Bool).Sample(t =>
        {
            var (values, lists) = t;
            Assert.Equal(Merge(false, values[0]).ToJsonString(), AttributeMerger.Normalize(JsonNode.Parse(values[0])!.AsObject()).ToJsonString());
            var normalized = AttributeMerger.NewAccumulator();
            foreach (var json in values)
            {
                AttributeMerger.MergeInto(normalized, AttributeMerger.Normalize(JsonNode.Parse(json)!.AsObject()), lists);
            }

            Assert.Equal(Merge(lists, values).ToJsonString(), normalized.ToJsonString());
        }, iter: 2000);
    }
}
