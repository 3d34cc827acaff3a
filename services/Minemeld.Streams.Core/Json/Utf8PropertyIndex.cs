using System.Text.Json;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Where the top-level properties of one object kept as UTF-8 lie, read in one pass, so that the checks a consumed
/// value goes through one after the other (a private name, each filter condition, the feed's score) look them up
/// instead of scanning the value again for each. One index per thread, reused by every <see cref="Of"/>: a lookup
/// through <see cref="TryFindLast(Utf8PropertyIndex?, ReadOnlyMemory{byte}, ReadOnlySpan{byte}, out Utf8JsonReader)"/>
/// answers from it only for the very value it last indexed (the same array, offset and length) and scans otherwise,
/// so an index that has moved on to another value is never read for the wrong one. For values whose bytes do not
/// change (a consumed message's), which is what it is used for.
/// </summary>
public sealed class Utf8PropertyIndex
{
    [ThreadStatic]
    private static Utf8PropertyIndex? t_index;

    private readonly Utf8Property[] _properties = new Utf8Property[Utf8JsonObject.MaxCheckedNames];
    private ReadOnlyMemory<byte> _value;
    private int _count = -1;

    private Utf8PropertyIndex()
    {
    }

    /// <summary>
    /// This thread's index over <paramref name="utf8Object"/>; null when the object cannot be indexed with the same
    /// answers as a scan (an escaped or repeated name, more than <see cref="Utf8JsonObject.MaxCheckedNames"/> names,
    /// not an object), and callers scan as before.
    /// </summary>
    public static Utf8PropertyIndex? Of(ReadOnlyMemory<byte> utf8Object)
    {
        var index = t_index ??= new Utf8PropertyIndex();
        if (Utf8JsonObject.TryReadProperties(utf8Object.Span, index._properties, out var count))
        {
            (index._value, index._count) = (utf8Object, count);
            return index;
        }

        (index._value, index._count) = (default, -1);
        return null;
    }

    /// <summary>
    /// <see cref="Utf8JsonObject.TryFindLast"/> answered from <paramref name="index"/> when it covers
    /// <paramref name="utf8Object"/>, by a scan otherwise.
    /// </summary>
    public static bool TryFindLast(Utf8PropertyIndex? index, ReadOnlyMemory<byte> utf8Object, ReadOnlySpan<byte> utf8Name, out Utf8JsonReader value) =>
        index is not null && index.Covers(utf8Object)
            ? index.TryFind(utf8Name, out value)
            : Utf8JsonObject.TryFindLast(utf8Object.Span, utf8Name, out value);

    /// <summary>Whether this index was made for <paramref name="utf8Object"/> and has not moved on since.</summary>
    public bool Covers(ReadOnlyMemory<byte> utf8Object) => _count >= 0 && _value.Equals(utf8Object);

    /// <summary>
    /// <see cref="Utf8JsonObject.HasNameStartingWith(ReadOnlySpan{byte}, byte)"/> for <paramref name="utf8Object"/>:
    /// read from <paramref name="index"/> when it covers that very value, scanned otherwise.
    /// </summary>
    public static bool HasNameStartingWith(Utf8PropertyIndex? index, ReadOnlyMemory<byte> utf8Object, byte ascii) =>
        index is not null && index.Covers(utf8Object)
            ? index.HasIndexedNameStartingWith(ascii)
            : Utf8JsonObject.HasNameStartingWith(utf8Object.Span, ascii);

    /// <summary>
    /// Whether a name of the indexed object starts with <paramref name="ascii"/> (its names are plain).
    /// </summary>
    private bool HasIndexedNameStartingWith(byte ascii)
    {
        var span = _value.Span;
        foreach (var property in _properties.AsSpan(0, _count))
        {
            if (span[property.Name] is [var head, ..] && head == ascii)
            {
                return true;
            }
        }

        return false;
    }

    private bool TryFind(ReadOnlySpan<byte> utf8Name, out Utf8JsonReader value)
    {
        // Names are plain and appear once (else there would be no index), so the one equal name is the last.
        var span = _value.Span;
        foreach (var property in _properties.AsSpan(0, _count))
        {
            if (span[property.Name].SequenceEqual(utf8Name))
            {
                value = new Utf8JsonReader(span[property.Value]);
                value.Read();
                return true;
            }
        }

        value = default;
        return false;
    }
}
