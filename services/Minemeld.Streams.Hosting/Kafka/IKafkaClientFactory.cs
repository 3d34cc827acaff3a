using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The one place Kafka clients are made (docs/architecture.md, "Conventions in the code"; the seam tests use).
/// </summary>
public interface IKafkaClientFactory
{
    IProducer<string, byte[]> CreateProducer(string clientId);

    IConsumer<string, byte[]> CreateConsumer(string groupId, string clientId, ConsumerCallbacks callbacks);

    IAdminClient CreateAdminClient(string clientId);
}
