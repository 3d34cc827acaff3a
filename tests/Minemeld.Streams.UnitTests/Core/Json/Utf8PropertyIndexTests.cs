using System.Text;
using System.Text.Json;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.UnitTests.Core.Json;

public sealed class Utf8PropertyIndexTests
{
    private static readonly string[] Names = ["confidence", "share_level", "last_seen", "_private", "$meta", "type", "sources", "été"];

    private static readonly string[] Values = ["75", "-3", "2.5", "1e400", "9007199254740993", "true", "false", "null", "\"green\"",
        "\"gr\\u0065en\"", "\"\"", "\"\u00e9t\u00e9\"", "[1,{\"a\":[]}]", "{\"confidence\":1,\"b\":{}}", "[]", "{}"];

    /// <summary>What a scan finds: the value's JSON as a node would write it, or null when absent.</summary>
    private static string? Scanned(ReadOnlySpan<byte> json, string name) =>
        Utf8JsonObject.TryFindLast(json, Encoding.UTF8.GetBytes(name), out var value) ? Text(ref value) : null;

    private static string? Indexed(Utf8PropertyIndex? index, ReadOnlyMemory<byte> json, string name) =>
        Utf8PropertyIndex.TryFindLast(index, json, Encoding.UTF8.GetBytes(name), out var value) ? Text(ref value) : null;

    private static string Text(ref Utf8JsonReader value) =>
        $"{value.TokenType}:{JsonObjectReader.ReadValue(ref value)?.ToJsonString() ?? "null"}";

    [Fact]
    public void AnIndexFindsWhatAScanFinds()
    {
        var random = new Random(20261130);
        var indexed = 0;
        var scratch = new Utf8Property[Utf8JsonObject.MaxCheckedNames];
        for (var i = 0; i < 3000; i++)
        {
            // Names absent, once or twice (a scan takes the last), sometimes written with an escape.
            var properties = new List<string>();
            foreach (var name in Names)
            {
                for (var k = random.Next(12) == 0 ? 2 : random.Next(2); k > 0; k--)
                {
                    var written = random.Next(24) == 0 ? name.Replace("e", "\\u0065", StringComparison.Ordinal) : name;
                    properties.Add($"\"{written}\":{Values[random.Next(Values.Length)]}");
                }
            }

            var json = (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes("{" + string.Join(',', properties.OrderBy(_ => random.Next())) + "}");
            var index = Utf8PropertyIndex.Of(json);
            Assert.Equal(Utf8JsonObject.TryReadProperties(json.Span, scratch, out _), index is not null);
            if (index is not null)
            {
                indexed++;
                Assert.True(index.Covers(json));
                Assert.Equal(Utf8JsonObject.HasNameStartingWith(json.Span, (byte)'_'), Utf8PropertyIndex.HasNameStartingWith(index, json, (byte)'_'));
                Assert.Equal(Utf8JsonObject.HasNameStartingWith(json.Span, (byte)'$'), Utf8PropertyIndex.HasNameStartingWith(index, json, (byte)'$'));
            }

            foreach (var name in Names.Append("absent"))
            {
                Assert.True(Scanned(json.Span, name) == Indexed(index, json, name), $"{name} in {Encoding.UTF8.GetString(json.Span)}");
            }
        }

        Assert.InRange(indexed, 300, 2700); // both the index and the scan it stands for were exercised
    }

    [Fact]
    public void AnIndexThatMovedOnIsNotReadForTheValueItLeft()
    {
        ReadOnlyMemory<byte> first = """{"confidence":80,"share_level":"green","_raw":"x"}"""u8.ToArray();
        ReadOnlyMemory<byte> second = """{"share_level":"red","confidence":10}"""u8.ToArray();
        var index = Utf8PropertyIndex.Of(first);
        Assert.NotNull(index);
        Assert.Same(index, Utf8PropertyIndex.Of(second)); // one per thread, now over the second value
        Assert.False(index.Covers(first));
        Assert.False(index.Covers(first[..^1]));
        Assert.Equal("Number:80", Indexed(index, first, "confidence"));
        Assert.Equal("String:\"green\"", Indexed(index, first, "share_level"));
        Assert.Equal("Number:10", Indexed(index, second, "confidence"));
        Assert.True(Utf8PropertyIndex.HasNameStartingWith(index, first, (byte)'_'));
        Assert.False(Utf8PropertyIndex.HasNameStartingWith(index, second, (byte)'_'));

        // Equal bytes in another array are another value: scanned, with the same answer.
        var copy = (ReadOnlyMemory<byte>)second.ToArray();
        Assert.False(index.Covers(copy));
        Assert.Equal("String:\"red\"", Indexed(index, copy, "share_level"));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"\u0061":1}""")]
    [InlineData("""[1,2]""")]
    public void WhatAnIndexCannotAnswerAsAScanWouldIsNotIndexed(string json)
    {
        var bytes = (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(json);
        Assert.Null(Utf8PropertyIndex.Of(bytes));
        Assert.Equal(Scanned(bytes.Span, "a"), Indexed(null, bytes, "a"));
    }
}
