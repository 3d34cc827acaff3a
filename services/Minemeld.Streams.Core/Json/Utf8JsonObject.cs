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

    /// <summary>Values with more names than this are left to the tree (none in MineMeld's schema comes close).</summary>
    private const int MaxCheckedNames = 64;

    /// <summary>The attribute <paramref name="name"/> as a node (null when absent or JSON null).</summary>
    public static JsonNode? Property(ReadOnlySpan<byte> utf8Object, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var length = Encoding.UTF8.GetMaxByteCount(name.Length);
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        return TryFindLast(utf8Object, buffer[..Encoding.UTF8.GetBytes(name, buffer)], out var value) ? JsonObjectReader.ReadValue(ref value) : null;
    }

    /// <summary>The attribute <paramref name="utf8Name"/> when it is a string (shared through the per-thread cache); null otherwise.</summary>
    public static string? GetString(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> utf8Name) =>
        TryFindLast(utf8Object, utf8Name, out var value) && value.TokenType == JsonTokenType.String
            ? Utf8StringCache.ForThisThread.GetString(ref value)
            : null;

    /// <summary>A reader at the first token of the last value named <paramref name="utf8Name"/>, when there is one.</summary>
    private static bool TryFindLast(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> utf8Name, out Utf8JsonReader value)
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

    /// <summary>Whether a top-level name starts with <paramref name="first"/> or <paramref name="second"/> (<c>_</c>, <c>$</c>: private keys).</summary>
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
    /// Whether the object is an indicator value as an aggregator keeps its rows (<c>AttributeMerger.Normalize</c>
    /// would leave it as it is, and a parse would give back the same text): no private name (<c>_</c>, <c>$</c>), no
    /// name twice, and <c>sources</c> first, an array of distinct plain strings. False means "not sure": the caller
    /// builds the tree and normalizes it.
    /// </summary>
    public static bool IsNormalizedValue(ReadOnlySpan<byte> utf8Object, ReadOnlySpan<byte> sourcesName)
    {
        var reader = new Utf8JsonReader(utf8Object);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject
            || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped || !reader.ValueSpan.SequenceEqual(sourcesName)
            || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        // Items are compared by their raw text: plain (unescaped) strings only, which is every source name in practice.
        var start = (int)reader.TokenStartIndex;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
            {
                return false;
            }

            var item = reader.ValueSpan;
            if (Contains(utf8Object[start..(int)reader.TokenStartIndex], item))
            {
                return false;
            }
        }

        // Names seen so far (after sources): a name twice is collapsed by a parse, so those bytes are not the value's JSON.
        Span<Range> names = stackalloc Range[MaxCheckedNames];
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // A private name, or sources again (a parse keeps the last one, which need not be a set).
            var name = reader.ValueSpan;
            if (reader.ValueIsEscaped || name is [(byte)'_' or (byte)'$', ..] || name.SequenceEqual(sourcesName) || count == MaxCheckedNames)
            {
                return false;
            }

            foreach (var seen in names[..count])
            {
                if (utf8Object[seen].SequenceEqual(name))
                {
                    return false;
                }
            }

            var at = (int)reader.TokenStartIndex + 1;
            names[count++] = at..(at + name.Length);
            reader.Read();
            reader.Skip();
        }

        return true;
    }

    /// <summary>Whether the array text read so far (<c>["a","b"</c>) holds the plain string <paramref name="item"/>.</summary>
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
