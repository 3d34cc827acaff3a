using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// An indicator's value (MineMeld's attribute object), as the engine passes it along: the compact UTF-8 JSON it was
/// read or written as, or a tree (<see cref="JsonObject"/>) when it was made in memory, or both when both are at hand
/// and the same. A value travels as bytes from topic to node to topic and into the stores, so most of the engine
/// never builds a tree: <see cref="ToTree"/> builds one only where it is asked for, and <see cref="ToUtf8"/> writes a
/// tree only where bytes are. <c>default</c> is no value (a withdraw without one).
/// <para>
/// The bytes are never changed once given. A tree given is the holder's: read it, do not change it, as the bytes
/// held beside it would no longer match (take <see cref="ToTree"/> of a value held as bytes for a tree of your own).
/// </para>
/// </summary>
public readonly struct IndicatorJson
{
    private readonly JsonObject? _tree;
    private readonly ReadOnlyMemory<byte> _utf8;

    private IndicatorJson(JsonObject? tree, ReadOnlyMemory<byte> utf8)
    {
        _tree = tree;
        _utf8 = utf8;
    }

    /// <summary>No value.</summary>
    public static IndicatorJson None => default;

    /// <summary>Whether there is no value (neither bytes nor a tree).</summary>
    public bool IsNone => _tree is null && _utf8.IsEmpty;

    /// <summary>Whether a tree is held (<see cref="ToTree"/> parses nothing).</summary>
    public bool HasTree => _tree is not null;

    /// <summary>The tree held, or null when the value is held only as bytes (or there is none).</summary>
    public JsonObject? Tree => _tree;

    /// <summary>The bytes held, or empty when the value is held only as a tree (or there is none).</summary>
    public ReadOnlyMemory<byte> Utf8 => _utf8;

    /// <summary>A value made in memory (null: no value).</summary>
    public static IndicatorJson Of(JsonObject? tree) => new(tree, default);

    /// <summary>A value as UTF-8 JSON, one object, not changed afterwards (empty: no value).</summary>
    public static IndicatorJson OfUtf8(ReadOnlyMemory<byte> utf8) => new(null, utf8);

    /// <summary>A value held both ways: <paramref name="utf8"/> must be <paramref name="tree"/> as written.</summary>
    public static IndicatorJson Of(JsonObject tree, ReadOnlyMemory<byte> utf8)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return new(tree, utf8);
    }

    public static implicit operator IndicatorJson(JsonObject? tree) => new(tree, default);

    /// <summary>
    /// The value as a tree: the one held, or else parsed from the bytes (a new tree on every call, the caller's to
    /// keep).
    /// </summary>
    public JsonObject? ToTree() => _tree ?? (_utf8.IsEmpty ? null : JsonObjectReader.ParseObject(_utf8.Span));

    /// <summary>
    /// The value as compact UTF-8 JSON: the bytes held, or else the tree written (empty for no value).
    /// </summary>
    public ReadOnlyMemory<byte> ToUtf8() => !_utf8.IsEmpty ? _utf8 : _tree is null ? default : JsonText.ToUtf8Bytes(_tree);

    /// <summary>
    /// The attribute <paramref name="name"/> (null when absent, JSON null, or no value); from the bytes, a node of its
    /// own.
    /// </summary>
    public JsonNode? this[string name] =>
        _tree is not null ? _tree[name] : _utf8.IsEmpty ? null : Utf8JsonObject.Property(_utf8.Span, name);

    /// <summary>
    /// The attribute <paramref name="utf8Name"/> when it is a string, read without building a tree; null otherwise.
    /// </summary>
    public string? GetString(string name, ReadOnlySpan<byte> utf8Name) =>
        _tree is not null ? JsonNodeValues.TryGetString(_tree[name], out var value) ? value : null
        : _utf8.IsEmpty ? null : Utf8JsonObject.GetString(_utf8.Span, utf8Name);

    /// <summary>The value's JSON text (<c>null</c> for no value).</summary>
    public string ToJsonString() =>
        _tree is not null ? _tree.ToJsonString() : _utf8.IsEmpty ? "null" : System.Text.Encoding.UTF8.GetString(_utf8.Span);

    public override string ToString() => ToJsonString();
}
