using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// Reads and writes <see cref="IndicatorMessage"/> as UTF-8 JSON. Reading is strict: a message that is not JSON,
/// has another version, lacks a required field or carries a non-object value is refused with the reason, so a
/// consumer can count it and dead-letter it. Fields a newer minor writer adds are skipped.
/// </summary>
/// <remarks>
/// Every worker reads every message of its inputs, so reading is one pass of a <see cref="Utf8JsonReader"/> that
/// builds the value's nodes directly (<see cref="JsonObjectReader"/>): no <see cref="JsonDocument"/> stays behind a
/// value that an aggregator keeps as state.
/// </remarks>
public static class IndicatorMessageSerializer
{
    private static readonly UtcTimestampConverter Timestamps = new();

    [ThreadStatic]
    private static DateTimeOffset t_timestamp;

    [ThreadStatic]
    private static byte[]? t_timestampJson;

    /// <summary>
    /// The last origin and type written on this thread, encoded (a node writes the same ones every message).
    /// </summary>
    [ThreadStatic]
    private static (string? Text, JsonEncodedText Encoded) t_origin, t_type;

    /// <summary>
    /// The message as UTF-8 JSON, its fields in the order of <see cref="IndicatorMessage"/>: written by hand through a
    /// writer reused per thread, byte for byte what <see cref="JsonSerializer"/> writes for the record (tested).
    /// </summary>
    public static byte[] Serialize(IndicatorMessage message)
    {
        Write(message);
        return JsonText.End();
    }

    /// <summary>
    /// <see cref="Serialize(IndicatorMessage)"/> into this thread's reused array of exactly the message's length
    /// (<see cref="JsonText.EndTransient"/>): valid until the thread serializes another message of that length. For
    /// a message produced at once (the producer copies it).
    /// </summary>
    internal static byte[] SerializeTransient(IndicatorMessage message)
    {
        Write(message);
        return JsonText.EndTransient();
    }

    private static void Write(IndicatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = JsonText.Begin();
        WriteHead(writer, message.Version, message.Op, message.Indicator, message.Type, message.Origin);
        if (message.Value is { } value)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        WriteTail(writer, message.Timestamp);
    }

    /// <summary>
    /// The message of <paramref name="value"/>: bytes held are written as they are, neither parsed nor checked (they
    /// must be one valid JSON object, as a row a node keeps is), a tree is written, no value is <c>null</c>. The same
    /// bytes as <see cref="Serialize(IndicatorMessage)"/> for that message.
    /// </summary>
    public static byte[] Serialize(MessageOp op, string indicator, string? type, string origin, IndicatorJson value, DateTimeOffset timestamp)
    {
        Write(op, indicator, type, origin, value, timestamp);
        return JsonText.End();
    }

    /// <summary>
    /// <see cref="Serialize(MessageOp, string, string?, string, IndicatorJson, DateTimeOffset)"/> into this thread's
    /// reused array of exactly the message's length (see <see cref="SerializeTransient(IndicatorMessage)"/>).
    /// </summary>
    internal static byte[] SerializeTransient(MessageOp op, string indicator, string? type, string origin, IndicatorJson value, DateTimeOffset timestamp)
    {
        Write(op, indicator, type, origin, value, timestamp);
        return JsonText.EndTransient();
    }

    private static void Write(MessageOp op, string indicator, string? type, string origin, IndicatorJson value, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        ArgumentNullException.ThrowIfNull(origin);
        var writer = JsonText.Begin();
        WriteHead(writer, IndicatorMessage.CurrentVersion, op, indicator, type, origin);
        if (!value.Utf8.IsEmpty)
        {
            writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
        }
        else if (value.Tree is { } tree)
        {
            tree.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        WriteTail(writer, timestamp);
    }

    /// <summary>Everything up to the value's property name.</summary>
    private static void WriteHead(Utf8JsonWriter writer, int version, MessageOp op, string indicator, string? type, string origin)
    {
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, version);
        writer.WriteString("op"u8, op == MessageOp.Update ? "update"u8 : "withdraw"u8);
        writer.WriteString("indicator"u8, indicator);
        if (type is null)
        {
            writer.WriteNull("type"u8);
        }
        else
        {
            writer.WriteString("type"u8, Encoded(ref t_type, type));
        }

        writer.WriteString("origin"u8, Encoded(ref t_origin, origin));
        writer.WritePropertyName("value"u8);
    }

    /// <summary>
    /// <paramref name="text"/> escaped as the writer escapes it, kept while the same text comes again.
    /// </summary>
    private static JsonEncodedText Encoded(ref (string? Text, JsonEncodedText Encoded) last, string text)
    {
        if (!string.Equals(last.Text, text, StringComparison.Ordinal))
        {
            last = (text, JsonEncodedText.Encode(text));
        }

        return last.Encoded;
    }

    private static void WriteTail(Utf8JsonWriter writer, DateTimeOffset timestamp)
    {
        writer.WritePropertyName("ts"u8);
        writer.WriteRawValue(TimestampJson(timestamp), skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The instant as a JSON string, as <see cref="UtcTimestampConverter"/> writes it. A batch's messages share one
    /// instant, so the text is made once per thread and instant, not once per message.
    /// </summary>
    private static byte[] TimestampJson(DateTimeOffset timestamp)
    {
        if (t_timestampJson is null || t_timestamp != timestamp)
        {
            using var buffer = new System.IO.MemoryStream(40);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Timestamps.Write(writer, timestamp, JsonSerializerOptions.Default);
            }

            t_timestampJson = buffer.ToArray();
            t_timestamp = timestamp;
        }

        return t_timestampJson;
    }

    /// <summary>
    /// Reads a message whose bytes stay as they are (a consumed message's value): its value is checked and kept as
    /// the slice of <paramref name="utf8Json"/> it occupies (<see cref="IndicatorMessage.ValueJson"/>), and built as
    /// a tree only when a handler asks for it.
    /// </summary>
    /// <param name="utf8Json">The message.</param>
    /// <param name="key">
    /// The message's key: when it is the indicator's text (as on an edge topic), it is the indicator, not a copy.
    /// </param>
    public static IndicatorMessage Deserialize(ReadOnlyMemory<byte> utf8Json, string? key = null) => Deserialize(utf8Json.Span, withValue: false, utf8Json, key);

    /// <param name="utf8Json">The message.</param>
    /// <param name="withValue">
    /// False to check the value (an object, or null on a withdraw) without building it:
    /// <see cref="IndicatorMessage.Value"/> stays null. (A consumed message, whose bytes stay, is read with the memory
    /// overload instead: its value is kept as a slice and built on demand.)
    /// </param>
    public static IndicatorMessage Deserialize(ReadOnlySpan<byte> utf8Json, bool withValue = true) => Deserialize(utf8Json, withValue, ReadOnlyMemory<byte>.Empty, key: null);

    /// <param name="utf8Json">The message.</param>
    /// <param name="withValue">Whether the value is built as a tree now.</param>
    /// <param name="source">The same bytes as memory, when the value is to be kept as a slice of them.</param>
    /// <param name="key">The message's key, taken as the indicator when it is the same text.</param>
    private static IndicatorMessage Deserialize(ReadOnlySpan<byte> utf8Json, bool withValue, ReadOnlyMemory<byte> source, string? key)
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

        IndicatorMessage message;
        bool hasValue;
        try
        {
            (message, hasValue) = Read(utf8Json, withValue, source, key);
        }
        catch (JsonException ex)
        {
            throw new MessageFormatException($"not a valid indicator message: {ex.Message}", ex);
        }

        if (string.IsNullOrEmpty(message.Indicator))
        {
            throw new MessageFormatException("the indicator is empty");
        }

        if (string.IsNullOrEmpty(message.Origin))
        {
            throw new MessageFormatException("the origin is empty");
        }

        if (message.Op == MessageOp.Update && !hasValue)
        {
            throw new MessageFormatException($"update of '{message.Indicator}' without a value");
        }

        return message;
    }

    private static (IndicatorMessage Message, bool HasValue) Read(ReadOnlySpan<byte> utf8Json, bool withValue, ReadOnlyMemory<byte> source, string? key)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        MessageOp? op = null;
        string? indicator = null;
        string? type = null;
        string? origin = null;
        JsonObject? value = null;
        var utf8Value = ReadOnlyMemory<byte>.Empty;
        var hasValue = false;
        var timestamp = default(DateTimeOffset);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("op"u8))
            {
                reader.Read();
                op = reader.TokenType != JsonTokenType.String ? throw Invalid("'op' must be a string")
                    : reader.ValueTextEquals("update"u8) ? MessageOp.Update
                    : reader.ValueTextEquals("withdraw"u8) ? MessageOp.Withdraw
                    : throw Invalid($"unknown op '{reader.GetString()}' (update or withdraw)");
            }
            else if (reader.ValueTextEquals("indicator"u8))
            {
                indicator = ReadString(ref reader, "indicator", reuse: key);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                type = ReadString(ref reader, "type", shared: true);
            }
            else if (reader.ValueTextEquals("origin"u8))
            {
                origin = ReadString(ref reader, "origin", shared: true);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                hasValue = reader.TokenType switch
                {
                    JsonTokenType.Null => false,
                    JsonTokenType.StartObject => true,
                    _ => throw Invalid("'value' must be an object or null"),
                };
                if (!hasValue)
                {
                    value = null;
                    utf8Value = ReadOnlyMemory<byte>.Empty;
                }
                else if (withValue)
                {
                    value = JsonObjectReader.ReadObject(ref reader);
                }
                else
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    utf8Value = source.IsEmpty ? ReadOnlyMemory<byte>.Empty : source[start..(int)reader.BytesConsumed];
                }
            }
            else if (reader.ValueTextEquals("ts"u8))
            {
                timestamp = ReadTimestamp(ref reader);
            }
            else
            {
                // "v" (checked already) and fields of newer minor versions.
                reader.Read();
                reader.Skip();
            }
        }

        // Only whitespace may follow the object (the reader throws on anything else).
        reader.Read();
        var message = new IndicatorMessage
        {
            Op = op ?? throw Invalid("no 'op'"),
            Indicator = indicator ?? throw Invalid("no 'indicator'"),
            Type = type,
            Origin = origin ?? throw Invalid("no 'origin'"),
            ValueJson = value is null ? IndicatorJson.OfUtf8(utf8Value) : utf8Value.IsEmpty ? IndicatorJson.Of(value) : IndicatorJson.Of(value, utf8Value),
            Timestamp = timestamp,
        };
        return (message, hasValue);
    }

    /// <param name="reader">At the field's name.</param>
    /// <param name="field">The field, for the error.</param>
    /// <param name="shared">
    /// A field whose values repeat across a topic (type, origin): read through the per-thread cache.
    /// </param>
    /// <param name="reuse">A string the value may well be (the key): returned instead of a new one when it is.</param>
    private static string? ReadString(ref Utf8JsonReader reader, string field, bool shared = false, string? reuse = null)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String when reuse is not null && reader.ValueTextEquals(reuse) => reuse,
            JsonTokenType.String => shared ? Utf8StringCache.ForThisThread.GetString(ref reader) : reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw Invalid($"'{field}' must be a string"),
        };
    }

    private static DateTimeOffset ReadTimestamp(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var fast))
        {
            return fast.ToUniversalTime();
        }

        // The slower general parse (and its error, wrapped like any JsonException by Deserialize) is the converter's.
        return UtcTimestampConverter.Parse(reader.TokenType == JsonTokenType.String ? reader.GetString() : null);
    }

    private static MessageFormatException Invalid(string reason) => new($"not a valid indicator message: {reason}");

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
