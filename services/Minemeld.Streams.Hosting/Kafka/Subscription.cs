namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>A consumer group reading a set of topics on behalf of one node.</summary>
public sealed record Subscription(string GroupId, IReadOnlyList<string> Topics);
