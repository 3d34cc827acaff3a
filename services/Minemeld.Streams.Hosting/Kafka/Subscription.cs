namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// A consumer group reading a set of topics on behalf of one node. With <paramref name="CatchUpTopic"/> (one of the
/// topics), messages of the other topics wait at every assignment until the owned partitions of that one are read to
/// the end they had (<see cref="CatchUpGate"/>): how an aggregator reads its inputs and its repartition topic at once.
/// </summary>
public sealed record Subscription(string GroupId, IReadOnlyList<string> Topics, string? CatchUpTopic = null);
