namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// One feed member: the indicator and its stored value JSON (verbatim; null when the node keeps no values).
/// </summary>
public readonly record struct FeedEntry(string Indicator, string? Value);
