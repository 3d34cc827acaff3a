using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// A message read from an input topic, with where it came from and its original bytes (forwarded as they are).
/// </summary>
public readonly record struct InputMessage(string Topic, int Partition, long Offset, string? Key, IndicatorMessage Message, byte[] Raw);
