namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// A message to produce: topic, key (the indicator, or a repartition key), the serialized envelope (null: a tombstone,
/// on a table topic), and the
/// partition when the sender chose it (<see cref="ByKey"/> otherwise: see <see cref="MessagePublisher.Place"/>).
/// </summary>
public readonly record struct OutgoingMessage(string Topic, string Key, byte[]? Value, int Partition = OutgoingMessage.ByKey)
{
    /// <summary>No partition chosen: the publisher places the message by its key.</summary>
    public const int ByKey = -1;
}
