using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>Turns a node's emissions into messages on its edge topic, keyed by indicator.</summary>
public static class EmissionEncoder
{
    public static OutgoingMessage Encode(string topic, string origin, Emission emission, DateTimeOffset now)
    {
        if (!emission.HasTree)
        {
            // The value as bytes only: its type is read from them, and they go into the message as they are.
            var typeOfBytes = emission.Utf8Value.IsEmpty ? null : Utf8JsonObject.GetString(emission.Utf8Value.Span, "type"u8);
            return new OutgoingMessage(topic, emission.Indicator, emission.Utf8Value.IsEmpty
                ? IndicatorMessageSerializer.Serialize(new IndicatorMessage { Op = emission.Op, Indicator = emission.Indicator, Origin = origin, Timestamp = now })
                : IndicatorMessageSerializer.Serialize(emission.Op, emission.Indicator, typeOfBytes, origin, emission.Utf8Value.Span, now));
        }

        var type = emission.Value is { } v && JsonNodeValues.TryGetString(v[IndicatorValue.Type], out var t) ? t : null;
        if (!emission.Utf8Value.IsEmpty)
        {
            return new OutgoingMessage(topic, emission.Indicator, IndicatorMessageSerializer.Serialize(emission.Op, emission.Indicator, type, origin, emission.Utf8Value.Span, now));
        }

        return new OutgoingMessage(topic, emission.Indicator, IndicatorMessageSerializer.Serialize(new IndicatorMessage
        {
            Op = emission.Op,
            Indicator = emission.Indicator,
            Type = type,
            Origin = origin,
            Value = emission.Value,
            Timestamp = now,
        }));
    }
}
