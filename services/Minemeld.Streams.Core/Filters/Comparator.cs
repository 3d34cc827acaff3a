namespace Minemeld.Streams.Core.Filters;

/// <summary>The comparators of MineMeld's condition grammar.</summary>
public enum Comparator
{
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
    NotEqual,
}
