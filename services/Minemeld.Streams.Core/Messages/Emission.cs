using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// A message a node publishes as the result of handling one input message. Its value is a tree, or the compact
/// UTF-8 JSON an emitter keeps anyway (a row's bytes), or both; see <see cref="Value"/> and <see cref="Utf8Value"/>.
/// </summary>
public readonly record struct Emission(MessageOp Op, string Indicator, JsonObject? Value)
{
    private readonly JsonObject? _tree = Value;
    private readonly ReadOnlyMemory<byte> _utf8;

    /// <summary>
    /// The value as a tree: the one the emission was made with, or else built from <see cref="Utf8Value"/> on every
    /// read (a fresh tree each time: read it once, and only where a tree is needed, such as outfilters).
    /// </summary>
    public JsonObject? Value
    {
        get => _tree ?? (Utf8Value.IsEmpty ? null : JsonObjectReader.ParseObject(Utf8Value.Span));
        init => (_tree, TypeKnown) = (value, false); // a given type was the old value's
    }

    /// <summary>
    /// The value as compact UTF-8 JSON, when the emitter keeps it that way anyway (a row's bytes): published as it is
    /// instead of being written again. Empty when not given; never different from <see cref="Value"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Utf8Value
    {
        get => _utf8;
        init => (_utf8, TypeKnown) = (value, false); // a given type was the old value's
    }

    /// <summary>Whether the emission carries its value as a tree (reading <see cref="Value"/> parses nothing).</summary>
    public bool HasTree => _tree is not null;

    /// <summary>
    /// Whether <see cref="Type"/> was given by the emitter, which knew the value's type without reading the value (a
    /// miner's row); otherwise the encoder reads it from the value. Giving a value (<c>with</c> included) unsets it.
    /// </summary>
    public bool TypeKnown { get; private init; }

    /// <summary>The value's <c>type</c> when it is a string, null otherwise; meaningful when <see cref="TypeKnown"/>.</summary>
    public string? Type { get; private init; }

    /// <summary>An emission whose value is only the UTF-8 JSON given (no tree is built unless one is asked for).</summary>
    public static Emission OfUtf8(MessageOp op, string indicator, ReadOnlyMemory<byte> utf8Value) => new(op, indicator, null) { Utf8Value = utf8Value };

    /// <summary>
    /// <see cref="OfUtf8(MessageOp, string, ReadOnlyMemory{byte})"/> with the value's type as the emitter knows it
    /// (its <c>type</c> when a string, else null): the encoder does not look for it in the bytes.
    /// </summary>
    public static Emission OfUtf8(MessageOp op, string indicator, ReadOnlyMemory<byte> utf8Value, string? type) =>
        new(op, indicator, null) { Utf8Value = utf8Value, Type = type, TypeKnown = true };
}
