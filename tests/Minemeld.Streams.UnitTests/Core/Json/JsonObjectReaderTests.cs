using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.UnitTests.Core.Json;

public sealed class JsonObjectReaderTests
{
    [Fact]
    public void ReadsTheSameTreeAsTheDomParser()
    {
        const string json = """{"type":"IPv4","confidence":80,"sources":["a","b"],"nested":{"x":[1,2.5,null,true,false,"é\u2028"]},"big":123456789012345678901234567890}""";
        var read = JsonObjectReader.ParseObject(json)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), read));
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), read.ToJsonString());
        Assert.True(JsonNodeValues.IsInteger(read["confidence"]));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("5")]
    [InlineData("null")]
    public void JsonOfAnotherKindIsNoObject(string json) => Assert.Null(JsonObjectReader.ParseObject(json));

    [Theory]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{a:1}")]
    [InlineData("")]
    public void MalformedJsonThrows(string json) => Assert.ThrowsAny<JsonException>(() => JsonObjectReader.ParseObject(json));

    [Fact]
    public void ALongTextIsParsedToo()
    {
        var many = new JsonObject();
        for (var i = 0; i < 200; i++)
        {
            many[$"k{i}"] = new string('x', 20);
        }

        Assert.True(JsonNode.DeepEquals(many, JsonObjectReader.ParseObject(many.ToJsonString())));
    }

    [Fact]
    public void StringValuesAreReadRightWhenSlotsAreSharedAndRepeatsShareOneString()
    {
        // Far more distinct short strings than the per-thread cache has slots, some escaped, some long, read twice.
        string[] values = [.. Enumerable.Range(0, 2000).Select(static i => i % 7 == 0 ? $"ü{i}" : i % 11 == 0 ? new string('x', 40) + i : $"v{i}")];
        for (var round = 0; round < 2; round++)
        {
            foreach (var value in values)
            {
                var read = JsonObjectReader.ParseObject(new JsonObject { ["s"] = value, ["t"] = new JsonArray(value, "green") }.ToJsonString())!;
                Assert.Equal(value, (string?)read["s"]);
                Assert.Equal(value, (string?)read["t"]![0]);
            }
        }

        var first = JsonObjectReader.ParseObject("""{"share_level":"green"}""")!;
        var second = JsonObjectReader.ParseObject("""{"share_level":"green"}""")!;
        Assert.Same((string?)first["share_level"], (string?)second["share_level"]);
    }

    [Theory]
    [InlineData("""{"a":{"b":{"c":[{"d":[[1,{"e":{}}],[]]},{"a":1,"b":2}]}},"z":[{"y":[{"x":3}]},{"w":null}]}""")]
    [InlineData("""{"a":[[[[{"b":[1,2,{"c":[3,{"d":4}]}]}]]]],"a2":{"b":[],"c":{}}}""")]
    public void ObjectsAndArraysAtEveryDepthReadAsTheDomDoesOneParseAfterAnother(string json)
    {
        // Each depth's collecting lists are kept per thread and reused: parses in a row, a failed one and an object
        // too large to keep the room for in between must not leak anything into the next.
        var huge = new JsonObject();
        for (var i = 0; i < 3000; i++)
        {
            huge[$"k{i}"] = new JsonArray(i, new JsonObject { ["n"] = i });
        }

        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), JsonObjectReader.ParseObject(json)!.ToJsonString());
            Assert.ThrowsAny<JsonException>(() => JsonObjectReader.ParseObject("""{"a":{"x":1,"b":[1,{"c":2},3"""));
            Assert.True(JsonNode.DeepEquals(huge, JsonObjectReader.ParseObject(huge.ToJsonString())));
        }
    }
}

public sealed class JsonObjectBuilderTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    public void SettingAgainKeepsThePositionAndTheLastValueAsTheIndexerDoes(int keys)
    {
        var builder = new JsonObjectBuilder();
        var reference = new JsonObject();
        for (var i = 0; i < keys; i++)
        {
            builder.Set($"k{i}", i);
            reference[$"k{i}"] = i;
        }

        builder.Set("k1", "again");
        reference["k1"] = "again";
        builder.Set("new", true);
        reference["new"] = true;

        Assert.True(builder.Contains("k0"));
        Assert.False(builder.Contains("absent"));
        Assert.Equal(keys + 1, builder.Count);
        Assert.Equal(reference.ToJsonString(), builder.Build().ToJsonString());
    }
}

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"sources":["a"],"note":"<b>&'\"","country":"Ελλάδα","n":3.0,"big":12345678901234,"nested":{"x":[1,null,true]}}""")]
    [InlineData("""{}""")]
    public void WritesWhatToJsonStringWrites(string json)
    {
        var node = JsonNode.Parse(json)!;
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()), JsonText.ToUtf8Bytes(node));
    }

    [Fact]
    public void AHugeValueDoesNotSpoilTheNextOne()
    {
        var huge = new JsonObject { ["text"] = new string('x', 3 << 20) };
        Assert.Equal((3 << 20) + 11, JsonText.ToUtf8Bytes(huge).Length);
        Assert.Equal("""{"a":1}"""u8.ToArray(), JsonText.ToUtf8Bytes(new JsonObject { ["a"] = 1 }));
    }
}
