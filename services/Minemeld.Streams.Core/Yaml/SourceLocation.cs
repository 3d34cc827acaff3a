namespace Minemeld.Streams.Core.Yaml;

/// <summary>Where something came from: a file (or another named source) and a 1-based line and column.</summary>
public readonly record struct SourceLocation(string Source, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
}
