using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// A message a node publishes as the result of handling one input message: the operation, the indicator and its value
/// (<see cref="IndicatorJson"/>: a tree made in memory, or the bytes an emitter keeps anyway, such as a row's, which
/// are published as they are). A tree converts implicitly: <c>new Emission(op, indicator, tree)</c>.
/// </summary>
public readonly record struct Emission(MessageOp Op, string Indicator, IndicatorJson Value)
{
    private readonly string? _type;

    /// <summary>
    /// The value; giving one (<c>with</c> included) unsets a <see cref="Type"/> given before, which was the old
    /// value's.
    /// </summary>
    public IndicatorJson Value
    {
        get;
        init => (field, TypeKnown) = (value, false);
    } = Value;

    /// <summary>
    /// Whether <see cref="Type"/> was given by the emitter, which knew the value's type without reading the value (a
    /// miner's row); otherwise the encoder reads it from the value.
    /// </summary>
    public bool TypeKnown { get; private init; }

    /// <summary>
    /// The value's <c>type</c> when it is a string, null otherwise, as the emitter knows it: giving it sets
    /// <see cref="TypeKnown"/>.
    /// </summary>
    public string? Type
    {
        get => _type;
        init => (_type, TypeKnown) = (value, true);
    }
}
