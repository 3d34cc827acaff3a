using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>Turns a node's emissions into messages on its edge topic, keyed by indicator.</summary>
public static class EmissionEncoder
{
    /// <summary>
    /// The emission's message: its value goes in as the bytes it is held as, or the tree written, and its type is the
    /// one the emitter gave, else read from the value (in place, from bytes). The value array is this thread's reused
    /// one of that length
    /// (<see cref="IndicatorMessageSerializer.SerializeTransient(MessageOp, string, string?, string, Core.Json.IndicatorJson, DateTimeOffset)"/>):
    /// only <see cref="NodeOutput"/> calls this, inside the sequence <see cref="MessagePublisher.PublishAsync"/>
    /// produces from, which hands each message to the producer before it takes the next.
    /// </summary>
    internal static OutgoingMessage EncodeTransient(string topic, string origin, in Emission emission, DateTimeOffset now)
    {
        var type = emission.TypeKnown ? emission.Type : emission.Value.GetString(IndicatorValue.Type, "type"u8);
        var bytes = IndicatorMessageSerializer.SerializeTransient(emission.Op, emission.Indicator, type, origin, emission.Value, now);
        return new OutgoingMessage(topic, emission.Indicator, bytes);
    }
}
