namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>A message to produce: topic, key (the indicator, or a repartition key) and the serialized envelope.</summary>
public readonly record struct OutgoingMessage(string Topic, string Key, byte[] Value);
