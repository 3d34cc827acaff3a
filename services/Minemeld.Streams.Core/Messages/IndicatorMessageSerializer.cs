using System.Text.Json;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// Reads and writes <see cref="IndicatorMessage"/> as UTF-8 JSON. Reading is strict: a message that is not JSON,
/// has another version, lacks a required field or carries a non-object value is refused with the reason, so a
/// consumer can count it and dead-letter it.
/// </summary>
public static class IndicatorMessageSerializer
{
    public static byte[] Serialize(IndicatorMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, MessageJsonContext.Default.IndicatorMessage);

    public static IndicatorMessage Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            throw new MessageFormatException("empty message (a tombstone is not an indicator message)");
        }

        // The version is checked first, so that a newer producer gets a clear "unsupported version", not a
        // complaint about some field that version renamed.
        var version = PeekVersion(utf8Json);
        if (version != IndicatorMessage.CurrentVersion)
        {
            throw new MessageFormatException($"unsupported message version {version} (this build reads version {IndicatorMessage.CurrentVersion})");
        }

        IndicatorMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8Json, MessageJsonContext.Default.IndicatorMessage);
        }
        catch (JsonException ex)
        {
            throw new MessageFormatException($"not a valid indicator message: {ex.Message}", ex);
        }

        if (message is null)
        {
            throw new MessageFormatException("not a valid indicator message: null");
        }

        if (string.IsNullOrEmpty(message.Indicator))
        {
            throw new MessageFormatException("the indicator is empty");
        }

        if (string.IsNullOrEmpty(message.Origin))
        {
            throw new MessageFormatException("the origin is empty");
        }

        if (message.Op == MessageOp.Update && message.Value is null)
        {
            throw new MessageFormatException($"update of '{message.Indicator}' without a value");
        }

        return message;
    }

    private static int PeekVersion(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new MessageFormatException("not a valid indicator message: not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("v"u8);
                reader.Read();
                if (isVersion)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v)
                        ? v
                        : throw new MessageFormatException("not a valid indicator message: 'v' must be an integer");
                }

                reader.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new MessageFormatException($"not a valid indicator message: {ex.Message}", ex);
        }

        throw new MessageFormatException("not a valid indicator message: no version ('v')");
    }
}
