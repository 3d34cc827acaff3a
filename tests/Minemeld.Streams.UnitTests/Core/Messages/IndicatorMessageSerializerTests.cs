using System.Text.Json.Nodes;
using System.Text;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.UnitTests.Core.Messages;

public sealed class IndicatorMessageSerializerTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WritesTheDocumentedEnvelope()
    {
        var message = new IndicatorMessage
        {
            Op = MessageOp.Update,
            Indicator = "1.2.3.0-1.2.3.255",
            Type = "IPv4",
            Origin = "myBaseOffering",
            Value = JsonNode.Parse("""{"type":"IPv4","confidence":100,"sources":["dshield.block"]}""")!.AsObject(),
            Timestamp = Ts,
        };
        Assert.Equal(
            """{"v":1,"op":"update","indicator":"1.2.3.0-1.2.3.255","type":"IPv4","origin":"myBaseOffering","value":{"type":"IPv4","confidence":100,"sources":["dshield.block"]},"ts":"2026-11-22T10:00:00Z"}""",
            Encoding.UTF8.GetString(IndicatorMessageSerializer.Serialize(message)));
    }

    /// <summary>Envelopes whose every field needs care: escaping, non-ASCII, nulls, milliseconds, nesting.</summary>
    public static TheoryData<string, string?, string?, int> Envelopes() => new()
    {
        { "1.2.3.0-1.2.3.255", "IPv4", """{"type":"IPv4","confidence":100,"sources":["a","b"],"first_seen":1763805600000}""", 0 },
        { "http://example.com/<script>?a=1&b='2'+\"3\"", "URL", """{"note":"ü ☃ \u2028 <>&'\"","nested":{"a":[1,-2.5e3,null,true,{"x":{}}]},"empty":[]}""", 123 },
        { "2001:db8::/32", null, """{}""", 999 },
        { "withdrawn.example", "domain", null, 1 },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void WritesWhatTheSerializerWritesForTheRecordAndTheSameForAValueGivenAsBytes(string indicator, string? type, string? value, int milliseconds)
    {
        var message = new IndicatorMessage
        {
            Op = value is null ? MessageOp.Withdraw : MessageOp.Update,
            Indicator = indicator,
            Type = type,
            Origin = "node \"ü\"",
            Value = value is null ? null : JsonNode.Parse(value)!.AsObject(),
            Timestamp = Ts.AddMilliseconds(milliseconds),
        };
        var reference = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message);

        Assert.Equal(Encoding.UTF8.GetString(reference), Encoding.UTF8.GetString(IndicatorMessageSerializer.Serialize(message)));
        if (message.Value is { } tree)
        {
            var compact = Encoding.UTF8.GetBytes(tree.ToJsonString());
            Assert.Equal(reference, IndicatorMessageSerializer.Serialize(message.Op, indicator, type, message.Origin, IndicatorJson.OfUtf8(compact), message.Timestamp));
        }
    }

    /// <summary>The writer keeps the last origin and type it encoded: one switching between several writes each right.</summary>
    [Fact]
    public void OriginsAndTypesWrittenInTurnAreEachWrittenAsTheyAre()
    {
        string[] origins = ["a", "node \"ü\"", "b<c>", "a "];
        string?[] types = ["IPv4", null, "URL", "é", "IPv4 "];
        var random = new Random(20261130);
        for (var i = 0; i < 200; i++)
        {
            var message = new IndicatorMessage
            {
                Op = MessageOp.Update,
                Indicator = $"10.0.0.{i}",
                Type = types[random.Next(types.Length)],
                Origin = origins[random.Next(origins.Length)],
                Value = new JsonObject { ["n"] = i },
                Timestamp = Ts,
            };
            var reference = Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message));
            Assert.Equal(reference, Encoding.UTF8.GetString(IndicatorMessageSerializer.Serialize(message)));
            Assert.Equal(reference, Encoding.UTF8.GetString(IndicatorMessageSerializer.SerializeTransient(message.Op, message.Indicator, message.Type, message.Origin, IndicatorJson.OfUtf8(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")), Ts)));
        }
    }

    [Fact]
    public void TypesAndOriginsAreReadRightWhateverCameBeforeAndRepeatsShareOneString()
    {
        // More distinct origins than the reader remembers, some escaped in the JSON (non-ASCII), read twice over.
        string[] origins = [.. Enumerable.Range(0, 20).Select(static i => i % 5 == 0 ? $"nöde{i}" : $"node{i}")];
        string[] types = ["IPv4", "IPv6", "URL", "domain", "md5", "sha256", "email-addr", "IPv4", "x", "y", "z"];
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < origins.Length; i++)
            {
                var message = new IndicatorMessage { Op = MessageOp.Withdraw, Indicator = "i", Type = types[i % types.Length], Origin = origins[i], Timestamp = Ts };
                var back = IndicatorMessageSerializer.Deserialize(IndicatorMessageSerializer.Serialize(message));
                Assert.Equal((message.Origin, message.Type), (back.Origin, back.Type));
            }
        }

        var once = IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = MessageOp.Withdraw, Indicator = "a", Type = "IPv4", Origin = "aggregate", Timestamp = Ts });
        Assert.Same(IndicatorMessageSerializer.Deserialize(once).Origin, IndicatorMessageSerializer.Deserialize(once).Origin);
    }

    [Fact]
    public void RoundTripsUpdatesAndWithdraws()
    {
        var update = new IndicatorMessage
        {
            Op = MessageOp.Update,
            Indicator = "2001:db8::/32",
            Type = "IPv6",
            Origin = "n",
            Value = JsonNode.Parse("""{"nested":{"a":[1,"b",null]},"unicode":"ü\u2028"}""")!.AsObject(),
            Timestamp = Ts.AddMilliseconds(123),
        };
        var back = IndicatorMessageSerializer.Deserialize(IndicatorMessageSerializer.Serialize(update));
        Assert.Equal(update.Op, back.Op);
        Assert.Equal(update.Indicator, back.Indicator);
        Assert.Equal(update.Type, back.Type);
        Assert.Equal(update.Timestamp, back.Timestamp);
        Assert.True(JsonNode.DeepEquals(update.Value, back.Value));

        var withdraw = update with { Op = MessageOp.Withdraw, Value = null };
        var bytes = IndicatorMessageSerializer.Serialize(withdraw);
        Assert.Contains("\"value\":null", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Null(IndicatorMessageSerializer.Deserialize(bytes).Value);
    }

    [Theory]
    [InlineData("", "empty message")]
    [InlineData("not json", "not a valid indicator message")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{"op":"update"}""", "no version")]
    [InlineData("""{"v":2,"op":"update","indicator":"x","origin":"o","value":{}}""", "unsupported message version 2")]
    [InlineData("""{"v":"1"}""", "'v' must be an integer")]
    [InlineData("""{"v":1,"op":"upsert","indicator":"x","origin":"o","value":{}}""", "not a valid indicator message")]
    [InlineData("""{"v":1,"op":"update","origin":"o","value":{}}""", "not a valid indicator message")]
    [InlineData("""{"v":1,"op":"update","indicator":"","origin":"o","value":{}}""", "the indicator is empty")]
    [InlineData("""{"v":1,"op":"update","indicator":"x","origin":"o"}""", "without a value")]
    [InlineData("""{"v":1,"op":"update","indicator":"x","origin":"o","value":[1]}""", "not a valid indicator message")]
    [InlineData("""{"v":1,"op":"withdraw","indicator":"x","origin":"o","value":null,"ts":"yesterday"}""", "not an RFC 3339 timestamp")]
    public void RefusesBadMessagesWithTheReason(string json, string reason)
    {
        var ex = Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldsFromNewerMinorWritersAreIgnored()
    {
        var message = IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"withdraw","indicator":"x","origin":"o","value":null,"ts":"2026-11-22T10:00:00+01:00","trace":"abc"}"""u8);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero), message.Timestamp);
    }

    [Fact]
    public void NumbersKeepTheirKindAndText()
    {
        var message = IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{"confidence":80,"score":3.0,"big":123456789012345678901234567890,"e":1e3,"ok":true,"none":null}}"""u8);
        var value = message.Value!;
        Assert.Equal(80L, value["confidence"]!.GetValue<long>());
        Assert.False(Minemeld.Streams.Core.Json.JsonNodeValues.IsInteger(value["score"]), "3.0 is a float, as in Python");
        Assert.Equal("""{"confidence":80,"score":3.0,"big":123456789012345678901234567890,"e":1e3,"ok":true,"none":null}""", value.ToJsonString());
    }

    [Fact]
    public void ARepeatedAttributeKeepsItsLastValue()
    {
        var message = IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{"a":1,"b":2,"a":3}}"""u8);
        Assert.Equal("""{"a":3,"b":2}""", message.Value!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{}} trailing""")]
    [InlineData("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{"a":[1,2}}""")]
    [InlineData("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{}""")]
    public void MalformedJsonAnywhereIsRefused(string json)
    {
        var ex = Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize(Encoding.UTF8.GetBytes(json)));
        Assert.Contains("not a valid indicator message", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutValuesTheValueIsCheckedButNotBuilt()
    {
        var routed = IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"update","indicator":"1.2.3.4","origin":"o","value":{"a":{"b":[1]}}}"""u8, withValue: false);
        Assert.Equal("1.2.3.4", routed.Indicator);
        Assert.Null(routed.Value);
        Assert.Contains("without a value", Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"update","indicator":"x","origin":"o","value":null}"""u8, withValue: false)).Message, StringComparison.Ordinal);
        Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize("""{"v":1,"op":"update","indicator":"x","origin":"o","value":{"a":}}"""u8, withValue: false));
    }

    [Fact]
    public void AConsumedMessageKeepsItsValueAsTheBytesItArrivedIn()
    {
        var bytes = """{"v":1,"op":"update","indicator":"1.2.3.4","origin":"o","value": {"sources":["a"],"x":{"y":[1, 2]}} ,"ts":"2026-11-22T10:00:00Z"}"""u8.ToArray();
        var message = IndicatorMessageSerializer.Deserialize((ReadOnlyMemory<byte>)bytes);
        Assert.Equal("""{"sources":["a"],"x":{"y":[1, 2]}}""", Encoding.UTF8.GetString(message.ValueJson.Utf8.Span));
        Assert.False(message.HasValueTree);

        // Built once, when asked for, and then the same tree.
        var value = message.Value!;
        Assert.True(message.HasValueTree);
        Assert.Same(value, message.Value);
        Assert.Equal(IndicatorMessageSerializer.Deserialize(bytes).Value!.ToJsonString(), value.ToJsonString());

        // The key is the indicator's text on an edge topic: the indicator is that string, not a copy; any other key is not it.
        var key = new string("1.2.3.4".AsSpan());
        Assert.Same(key, IndicatorMessageSerializer.Deserialize(bytes, key).Indicator);
        Assert.Equal("1.2.3.4", IndicatorMessageSerializer.Deserialize(bytes, "4.1").Indicator);

        // A later null value wins, as a parse keeps the last "value".
        var withdrawn = IndicatorMessageSerializer.Deserialize((ReadOnlyMemory<byte>)"""{"v":1,"op":"withdraw","indicator":"x","origin":"o","value":{"a":1},"value":null}"""u8.ToArray());
        Assert.True(withdrawn.ValueJson.Utf8.IsEmpty);
        Assert.Null(withdrawn.Value);
        Assert.Contains("without a value", Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize((ReadOnlyMemory<byte>)"""{"v":1,"op":"update","indicator":"x","origin":"o","value":null}"""u8.ToArray())).Message, StringComparison.Ordinal);
        Assert.Throws<MessageFormatException>(() => IndicatorMessageSerializer.Deserialize((ReadOnlyMemory<byte>)"""{"v":1,"op":"update","indicator":"x","origin":"o","value":{"a":}}"""u8.ToArray()));
    }

    [Fact]
    public void EachMessageCarriesItsOwnInstantThoughTheTextIsReusedWithinABatch()
    {
        var first = new DateTimeOffset(2026, 11, 22, 10, 0, 0, 123, TimeSpan.Zero);
        var second = first.AddMilliseconds(1);
        string Ts(DateTimeOffset at) => IndicatorMessageSerializer.Deserialize(
            IndicatorMessageSerializer.Serialize(MessageOp.Update, "1.2.3.4", "IPv4", "o", IndicatorJson.OfUtf8("""{"a":1}"""u8.ToArray()), at)).Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(
            [first, first, second, first, new DateTimeOffset(2026, 11, 22, 11, 0, 0, 123, TimeSpan.FromHours(1))],
            new[] { Ts(first), Ts(first), Ts(second), Ts(first), Ts(new DateTimeOffset(2026, 11, 22, 11, 0, 0, 123, TimeSpan.FromHours(1))) }
                .Select(static t => DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
