using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Reads what a node needs from a JSON object kept as UTF-8 (an indicator's value as it travels and is stored),
/// without building the object: one attribute for a filter, the type, whether anything would be stripped. A name
/// that repeats counts by its last occurrence, as <see cref="JsonObjectReader"/> keeps it. The input is valid JSON
/// (a message's value is checked when the message is read).
/// </summary>
public static class Utf8JsonObject
{
    private const int StackLimit = 256;

    /// <summary>
    /// Values with more names than this are left to the tree (none in MineMeld's schema comes close): the room a
    /// caller of <see cref="TryReadProperties"/> gives.
    /// </summary>
    public const int MaxCheckedNames = 64;

    /// <summary>The attribute <paramref name="name"/> as a node (null when absent or JSON null).</summary>
    public static JsonNode? Property(ReadOnlySpan<byte> utf8Object, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var length = Encoding.UTF8.GetMaxByteCount(name.Length);
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        return TryFindLast(utf8Object, buffer[..Encoding.UTF8.GetBytes(name, buffer)], out var value) ? JsonObjectReader.ReadValue(ref value) : null;
    }

    /// <summary>
    /// The attribute <paramref name="utf8Name"/> when it is a string (shared through the per-thread cache); null
    /// otherwise.
    /// </summary>
    public static string? GetString(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> utf8Name) =>
        TryFindLast(utf8Object, utf8Name, out var value) && value.TokenType == JsonTokenType.String
            ? Utf8StringCache.ForThisThread.GetString(ref value)
            : null;

    /// <summary>
    /// A reader at the first token of the last value named <paramref name="utf8Name"/>, when there is one: a scalar is
    /// read from it in place (no node), anything else can be skipped or read on.
    /// </summary>
    public static bool TryFindLast(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> utf8Name, out Utf8JsonReader value)
    {
        value = default;
        var found = false;
        var reader = new Utf8JsonReader(utf8Object);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(utf8Name);
            reader.Read();
            if (match)
            {
                value = reader;
                found = true;
            }

            reader.Skip();
        }

        return found;
    }

    /// <summary>
    /// The top-level properties of <paramref name="utf8Object"/> in their order, into <paramref name="properties"/>,
    /// when every name is plain (no escape) and appears once; false otherwise, or past <c>properties.Length</c> names
    /// (the caller then takes the tree, where a parse decides what a repeated or escaped name means).
    /// </summary>
    public static bool TryReadProperties(ReadOnlySpan<byte> utf8Object, Span<Utf8Property> properties, out int count)
    {
        count = 0;
        var reader = new Utf8JsonReader(utf8Object);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped || count == properties.Length)
            {
                return false;
            }

            var nameStart = (int)reader.TokenStartIndex + 1;
            var name = nameStart..(nameStart + reader.ValueSpan.Length);
            foreach (var seen in properties[..count])
            {
                if (utf8Object[seen.Name].SequenceEqual(reader.ValueSpan))
                {
                    return false;
                }
            }

            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            properties[count++] = new Utf8Property(name, valueStart..(int)reader.BytesConsumed);
        }

        return true;
    }

    /// <summary>
    /// Whether a top-level name starts with <paramref name="ascii"/> (<c>_</c>: the keys a receiver strips).
    /// </summary>
    public static bool HasNameStartingWith(ReadOnlySpan<byte> utf8Object, byte ascii) => HasNameStartingWith(utf8Object, ascii, ascii);

    /// <summary>
    /// Whether a top-level name starts with <paramref name="first"/> or <paramref name="second"/> (<c>_</c>, <c>$</c>:
    /// private keys).
    /// </summary>
    public static bool HasNameStartingWith(ReadOnlySpan<byte> utf8Object, byte first, byte second)
    {
        var reader = new Utf8JsonReader(utf8Object);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Escaped names are rare and decoded; a plain name is its own bytes.
            var head = reader.ValueIsEscaped ? (byte)(reader.GetString() is [var c, ..] && c < 0x80 ? c : 0) : reader.ValueSpan is [var b, ..] ? b : (byte)0;
            if (head == first || head == second)
            {
                return true;
            }

            reader.Read();
            reader.Skip();
        }

        return false;
    }

    /// <summary>
    /// The object as an aggregator keeps its rows (<c>AttributeMerger.Normalize</c>) without building it:
    /// <c>sources</c> moved first (or <c>"sources":[]</c> put first when there is none), the other properties after it
    /// in their order, each copied as it is. Null means "not sure", and the caller builds the tree and normalizes it:
    /// a private name (<c>_</c>, <c>$</c>), a name twice (a parse collapses it), an escaped name, or a
    /// <c>sources</c> that is not an array of distinct plain strings. When the result would be exactly the bytes of
    /// <paramref name="same"/>, it is that array (no new one): for a caller whose arrays are never changed, so that
    /// equal values share one.
    /// </summary>
    public static byte[]? Normalized(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> sourcesName, byte[]? same = null)
    {
        Span<Utf8Property> properties = stackalloc Utf8Property[MaxCheckedNames];
        if (!TryReadProperties(utf8Object, properties, out var count))
        {
            return null;
        }

        // Which property is sources (the others are copied as their text).
        var sources = -1;
        for (var i = 0; i < count; i++)
        {
            var name = utf8Object[properties[i].Name];
            if (Indicators.IndicatorValue.IsPrivate(name))
            {
                return null;
            }

            if (name.SequenceEqual(sourcesName))
            {
                if (!IsSetOfPlainStrings(utf8Object[properties[i].Value]))
                {
                    return null;
                }

                sources = i;
            }
        }

        // "{" sources ("," other)* "}": sources as it was, or "sources":[] when there was none.
        var length = 2 + (sources < 0 ? sourcesName.Length + 5 : Length(properties[sources].Text, utf8Object));
        for (var i = 0; i < count; i++)
        {
            length += i == sources ? 0 : 1 + Length(properties[i].Text, utf8Object);
        }

        // Written where it can be compared with `same` before an array is made for it.
        byte[]? array = null;
        var normalized = same is not null && same.Length == length && length <= MaxStackCopy ? stackalloc byte[length] : (array = new byte[length]);
        var written = 0;
        normalized[written++] = (byte)'{';
        if (sources < 0)
        {
            normalized[written++] = (byte)'"';
            sourcesName.CopyTo(normalized[written..]);
            written += sourcesName.Length;
            "\":[]"u8.CopyTo(normalized[written..]);
            written += 4;
        }
        else
        {
            written += Copy(utf8Object[properties[sources].Text], normalized[written..]);
        }

        for (var i = 0; i < count; i++)
        {
            if (i != sources)
            {
                normalized[written++] = (byte)',';
                written += Copy(utf8Object[properties[i].Text], normalized[written..]);
            }
        }

        normalized[written] = (byte)'}';
        if (same is not null && normalized.SequenceEqual(same))
        {
            return same;
        }

        return array ?? normalized.ToArray();
    }

    /// <summary>The longest value <see cref="Normalized"/> writes on the stack to compare it first.</summary>
    private const int MaxStackCopy = 1024;

    private static int Length(Range range, ReadOnlySpan<byte> of) => range.GetOffsetAndLength(of.Length).Length;

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }

    /// <summary>Whether an array's text holds distinct plain strings only.</summary>
    private static bool IsSetOfPlainStrings(ReadOnlySpan<byte> array)
    {
        var reader = new Utf8JsonReader(array);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || Contains(array[..(int)reader.TokenStartIndex], reader.ValueSpan))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the array text read so far (<c>["a","b"</c>) holds the plain string <paramref name="item"/>.
    /// </summary>
    private static bool Contains(ReadOnlySpan<byte> arrayPrefix, ReadOnlySpan<byte> item)
    {
        var reader = new Utf8JsonReader(arrayPrefix, isFinalBlock: false, state: default);
        reader.Read(); // [
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueSpan.SequenceEqual(item))
            {
                return true;
            }
        }

        return false;
    }
}
