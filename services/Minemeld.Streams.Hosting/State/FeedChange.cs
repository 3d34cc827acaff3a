namespace Minemeld.Streams.Hosting.State;

/// <summary>The net effect of a batch on one feed member: present with a score (and value), or absent.</summary>
public readonly record struct FeedChange(string Indicator, bool Present, double Score, string? ValueJson);
