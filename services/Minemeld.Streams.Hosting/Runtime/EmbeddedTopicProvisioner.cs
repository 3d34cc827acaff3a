using Minemeld.Streams.EmbeddedKafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>The embedded broker does not answer CreateTopics: topics are made through its own API.</summary>
public sealed class EmbeddedTopicProvisioner(EmbeddedKafkaBroker broker) : ITopicProvisioner
{
    public Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        broker.CreateTopics(topics);
        return Task.CompletedTask;
    }
}
