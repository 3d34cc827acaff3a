using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.UnitTests.Core.Json;

/// <summary>Reading single attributes of a value kept as UTF-8, against what a parse of the whole value gives.</summary>
public sealed class Utf8JsonObjectTests
{
    [Theory]
    [InlineData("""{"type":"IPv4","confidence":80}""", "confidence", "80")]
    [InlineData("""{"type":"IPv4","confidence":80,"confidence":10}""", "confidence", "10")]
    [InlineData("""{"type":"IPv4"}""", "confidence", null)]
    [InlineData("""{"type":null}""", "type", null)]
    [InlineData("""{"a":{"b":[1,"x"]},"é":"ü"}""", "a", """{"b":[1,"x"]}""")]
    [InlineData("""{"a":{"b":[1,"x"]},"\u00e9":"ü"}""", "é", "\"ü\"")]
    [InlineData("""{"n":1.50}""", "n", "1.50")]
    public void APropertyIsWhatTheParsedObjectHolds(string json, string name, string? expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(expected, Utf8JsonObject.Property(bytes, name)?.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal(JsonObjectReader.ParseObject(bytes)![name]?.ToJsonString(), Utf8JsonObject.Property(bytes, name)?.ToJsonString());
    }

    [Fact]
    public void AStringIsReadOnlyWhenItIsAString()
    {
        Assert.Equal("IPv4", Utf8JsonObject.GetString("""{"sources":["a"],"type":"IPv4"}"""u8, "type"u8));
        Assert.Equal("IPv6", Utf8JsonObject.GetString("""{"type":"IPv4","x":{"type":"no"},"type":"IPv6"}"""u8, "type"u8));
        Assert.Null(Utf8JsonObject.GetString("""{"type":4}"""u8, "type"u8));
        Assert.Null(Utf8JsonObject.GetString("""{"kind":"IPv4"}"""u8, "type"u8));
    }

    [Theory]
    [InlineData("""{"a":1,"_b":2}""", true)]
    [InlineData("""{"a":1,"$b":2}""", true)]
    [InlineData("""{"a":{"_b":2}}""", false)]
    [InlineData("""{"\u005fb":2}""", true)]
    [InlineData("""{}""", false)]
    public void PrivateNamesAreFoundAtTheTopLevelOnly(string json, bool expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(expected, Utf8JsonObject.HasNameStartingWith(bytes, (byte)'_', (byte)'$'));

        // What a receiver strips: `_` names only.
        Assert.Equal(expected && !json.Contains("\"$", StringComparison.Ordinal), Utf8JsonObject.HasNameStartingWith(bytes, (byte)'_'));
    }

    // Small values over a vocabulary that makes sources repeat, move, go missing and private keys appear.
    private static readonly Gen<string> Values =
        Gen.Select(Gen.Int[0, 3], Pick("a", "b", "c").Array[0, 3], Pick("type", "confidence", "_p", "$q", "sources", "x").Array[0, 3])
            .Select(static t =>
            {
                var (at, sources, names) = t;
                var properties = names.Select(static (n, i) => $"\"{n}\":{(n == "sources" ? "[\"z\"]" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}").ToList();
                properties.Insert(Math.Min(at, properties.Count), $"\"sources\":[{string.Join(',', sources.Select(static s => $"\"{s}\""))}]");
                return "{" + string.Join(',', properties) + "}";
            });

    private static Gen<string> Pick(params string[] words) => Gen.Int[0, words.Length - 1].Select(i => words[i]);

    [Fact]
    public void BytesNormalizeToWhatTheTreeNormalizesTo() =>
        Values.Sample(json =>
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var expected = Encoding.UTF8.GetString(JsonText.ToUtf8Bytes(AttributeMerger.Normalize(JsonObjectReader.ParseObject(bytes)!)));
            var normalized = Utf8JsonObject.Normalized(bytes, "sources"u8);

            // Unsure only when there is a private name, a name twice or a sources that is not a set of strings.
            var parsed = JsonObjectReader.ParseObject(bytes)!;
            var names = System.Text.RegularExpressions.Regex.Matches(json, "\"([^\"]*)\":").Select(static m => m.Groups[1].Value).ToList();
            var plain = !names.Any(static n => n[0] is '_' or '$') && names.Distinct().Count() == names.Count
                && parsed["sources"] is JsonArray sources && sources.Select(static s => s!.ToJsonString()).Distinct().Count() == sources.Count;
            Assert.Equal(plain, normalized is not null);
            if (normalized is not null)
            {
                Assert.Equal(expected, Encoding.UTF8.GetString(normalized));
            }
        }, iter: 3000);

    /// <summary>
    /// Given an array to share, the normalizer answers with that very array when the result would be its bytes, and
    /// with a new array of the right bytes otherwise (a same-length array that differs by one byte included).
    /// </summary>
    [Fact]
    public void NormalizingSharesTheGivenArrayOnlyWhenTheBytesAreEqual() =>
        Gen.Select(Values, Values).Sample((json, other) =>
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            if (Utf8JsonObject.Normalized(bytes, "sources"u8) is not { } normalized)
            {
                return;
            }

            var equal = normalized.ToArray();
            Assert.Same(equal, Utf8JsonObject.Normalized(bytes, "sources"u8, same: equal));

            var nearly = normalized.ToArray();
            nearly[^2] ^= 1; // same length, one byte off
            var fresh = Utf8JsonObject.Normalized(bytes, "sources"u8, same: nearly)!;
            Assert.NotSame(nearly, fresh);
            Assert.Equal(normalized, fresh);

            if (Utf8JsonObject.Normalized(Encoding.UTF8.GetBytes(other), "sources"u8) is { } another)
            {
                var answer = Utf8JsonObject.Normalized(bytes, "sources"u8, same: another)!;
                Assert.Equal(normalized, answer);
                Assert.Equal(normalized.AsSpan().SequenceEqual(another), ReferenceEquals(answer, another));
            }
        }, iter: 1000);

    [Theory]
    [InlineData("""{}""", """{"sources":[]}""")]
    [InlineData("""{"type":"IPv4"}""", """{"sources":[],"type":"IPv4"}""")]
    [InlineData("""{"type":"IPv4", "sources" : ["a","b"] ,"x":{"y":[1, 2]}}""", """{"sources" : ["a","b"],"type":"IPv4","x":{"y":[1, 2]}}""")]
    [InlineData("""{"sources":["a","a"]}""", null)]
    [InlineData("""{"sources":["a"],"_p":1}""", null)]
    [InlineData("""{"sources":["a","\u0062"]}""", null)]
    [InlineData("""{"sources":"a"}""", null)]
    public void NormalizingBytesMovesSourcesFirstOrSaysItIsUnsure(string json, string? expected)
    {
        var normalized = Utf8JsonObject.Normalized(Encoding.UTF8.GetBytes(json), "sources"u8);
        Assert.Equal(expected, normalized is null ? null : Encoding.UTF8.GetString(normalized));
    }
}
