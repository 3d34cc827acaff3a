using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>Turns a node's emissions into messages on its edge topic, keyed by indicator.</summary>
public static class EmissionEncoder
{
    /// <summary>
    /// The emission's message, its value in this thread's reused array of that length
    /// (<see cref="IndicatorMessageSerializer.SerializeTransient(IndicatorMessage)"/>): hand it to the producer before
    /// this thread encodes the next one. <see cref="NodeOutput"/> encodes each message as the publisher produces it.
    /// </summary>
    public static OutgoingMessage EncodeTransient(string topic, string origin, Emission emission, DateTimeOffset now)
    {
        var type = TypeOf(emission);

        // A value kept as UTF-8 goes into the message as it is; a tree (or no value) is written.
        var bytes = emission.Utf8Value.IsEmpty
            ? IndicatorMessageSerializer.SerializeTransient(new IndicatorMessage
            {
                Op = emission.Op,
                Indicator = emission.Indicator,
                Type = type,
                Origin = origin,
                Value = emission.Value,
                Timestamp = now,
            })
            : IndicatorMessageSerializer.SerializeTransient(emission.Op, emission.Indicator, type, origin, emission.Utf8Value.Span, now);
        return new OutgoingMessage(topic, emission.Indicator, bytes);
    }

    /// <summary>
    /// The message's type: as the emitter gave it, else the tree's when the emission has one, else read from the bytes
    /// (no tree is built for it).
    /// </summary>
    private static string? TypeOf(in Emission emission)
    {
        if (emission.TypeKnown)
        {
            return emission.Type;
        }

        if (emission.HasTree)
        {
            return JsonNodeValues.TryGetString(emission.Value![IndicatorValue.Type], out var type) ? type : null;
        }

        return emission.Utf8Value.IsEmpty ? null : Utf8JsonObject.GetString(emission.Utf8Value.Span, "type"u8);
    }
}
