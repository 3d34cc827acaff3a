namespace Minemeld.Streams.Core.Filters;

/// <summary>A filter condition that does not parse; the message says what was expected and at which column.</summary>
public sealed class ConditionSyntaxException : FormatException
{
    public ConditionSyntaxException()
    {
    }

    public ConditionSyntaxException(string message)
        : base(message)
    {
    }

    public ConditionSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
