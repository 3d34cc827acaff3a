namespace Minemeld.Streams.Core.Miners;

/// <summary>Which timestamp an age-out offset counts from.</summary>
public enum AgeOutBase
{
    FirstSeen,
    LastSeen,
}
