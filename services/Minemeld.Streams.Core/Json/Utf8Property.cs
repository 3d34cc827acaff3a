namespace Minemeld.Streams.Core.Json;

/// <summary>
/// A property of a JSON object kept as UTF-8: where its name (without quotes) and its value's text lie.
/// </summary>
public readonly record struct Utf8Property(Range Name, Range Value)
{
    /// <summary>The whole property's text, from its name's opening quote to its value's end.</summary>
    public Range Text => (Name.Start.Value - 1)..Value.End;
}
