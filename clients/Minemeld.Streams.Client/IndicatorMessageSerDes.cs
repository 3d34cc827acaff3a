using Confluent.Kafka;
using Minemeld.Streams.Core.Messages;
using Streamiz.Kafka.Net.SerDes;

namespace Minemeld.Streams.Client;

/// <summary>
/// Streamiz SerDes for the messages of a Minemeld.Streams graph (edge topics and table topics: the JSON envelope
/// version 1, see docs/siem.md). An <c>update</c> reads as its message; a <c>withdraw</c> and a tombstone (no value)
/// read as null, which is what a KTable takes as "remove this key": a table built over an edge topic or a table topic
/// holds exactly the indicators present. A version this library does not know is refused with an error, as the schema
/// requires of readers; unknown fields of version 1 are ignored.
/// </summary>
public sealed class IndicatorMessageSerDes : AbstractSerDes<IndicatorMessage?>
{
    /// <summary>The message, or null for a withdraw or a tombstone.</summary>
    public override IndicatorMessage? Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null || data.Length == 0)
        {
            return null;
        }

        var message = IndicatorMessageSerializer.Deserialize(data.AsSpan());
        return message.Op == MessageOp.Withdraw ? null : message;
    }

    /// <summary>The message's envelope; null (a tombstone) for null.</summary>
    public override byte[] Serialize(IndicatorMessage? data, SerializationContext context) =>
        data is null ? null! : IndicatorMessageSerializer.Serialize(data);
}
