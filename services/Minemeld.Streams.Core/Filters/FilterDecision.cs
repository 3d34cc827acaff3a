namespace Minemeld.Streams.Core.Filters;

/// <summary>What a filter set decided for a message.</summary>
public enum FilterDecision
{
    Accept,
    Drop,
}
