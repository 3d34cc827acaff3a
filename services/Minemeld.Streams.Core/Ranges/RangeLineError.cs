namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// A line of a range list that was not an address, CIDR or range: where it was, what it said, and why.
/// </summary>
public readonly record struct RangeLineError(string Source, int Line, string Text, string Reason)
{
    public override string ToString() => $"{Source}:{Line}: {Reason}: '{Text}'";
}
