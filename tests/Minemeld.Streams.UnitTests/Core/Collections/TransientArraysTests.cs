using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Collections;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.UnitTests.Core.Collections;

public sealed class TransientArraysTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OneArrayPerLengthAndThreadKeysApartFromValues()
    {
        var value = TransientArrays.ForValue(120);
        Assert.Equal(120, value.Length);
        Assert.Same(value, TransientArrays.ForValue(120));
        Assert.NotSame(value, TransientArrays.ForValue(121));

        // A key of the same length as its value must not overwrite it.
        Assert.NotSame(value, TransientArrays.ForKey(120));
        Assert.Same(TransientArrays.ForKey(120), TransientArrays.ForKey(120));

        byte[]? elsewhere = null;
        var thread = new Thread(() => elsewhere = TransientArrays.ForValue(120));
        thread.Start();
        thread.Join();
        Assert.NotSame(value, elsewhere);

        // Past the limit: a new array each time.
        Assert.NotSame(TransientArrays.ForValue(TransientArrays.MaxLength + 1), TransientArrays.ForValue(TransientArrays.MaxLength + 1));
        Assert.Empty(TransientArrays.ForValue(0));
    }

    [Fact]
    public void TransientMessagesHoldTheSameBytesInAReusedArray()
    {
        var message = new IndicatorMessage
        {
            Op = MessageOp.Update,
            Indicator = "10.0.0.1-10.0.0.1",
            Type = "IPv4",
            Origin = "aggregate",
            Value = JsonNode.Parse("""{"sources":["a"],"confidence":80,"note":"été"}""")!.AsObject(),
            Timestamp = Ts,
        };
        var owned = IndicatorMessageSerializer.Serialize(message);
        var transient = IndicatorMessageSerializer.SerializeTransient(message);
        Assert.Equal(owned, transient);
        Assert.Same(transient, IndicatorMessageSerializer.SerializeTransient(message));

        var compact = System.Text.Encoding.UTF8.GetBytes(message.Value.ToJsonString()); // the value as a node keeps it
        var fromBytes = IndicatorMessageSerializer.SerializeTransient(MessageOp.Update, message.Indicator, "IPv4", "aggregate", IndicatorJson.OfUtf8(compact), Ts);
        Assert.Equal(owned, fromBytes);

        // The owned array stays as it was when a transient one of its length is written again.
        var other = message with { Indicator = "10.0.0.2-10.0.0.2" };
        Assert.NotEqual(owned, IndicatorMessageSerializer.SerializeTransient(other));
        Assert.Equal(IndicatorMessageSerializer.Serialize(message), owned);
    }

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("10.0.0.0-10.0.0.255")]
    [InlineData("exämple.org")]
    [InlineData("")]
    public void KeysAreTheDefaultSerializersBytes(string key)
    {
        var context = new SerializationContext(MessageComponentType.Key, "topic");
        Assert.Equal(Serializers.Utf8.Serialize(key, context), TransientUtf8Serializer.Instance.Serialize(key, context));
        Assert.Null(TransientUtf8Serializer.Instance.Serialize(null!, context));
    }
}
