using Minemeld.Streams.EmbeddedKafka;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// The embedded broker does not answer CreateTopics: topics are made through its own API. Dead-letter topics are not
/// made beforehand: the mock cluster creates a topic the first time a producer asks for it (allow.auto.create.topics,
/// the producer's default), and most graphs never dead-letter anything. Its topic lookups are a linear search per topic
/// of every request, so the 2 of every 6 topics of a customer that would sit empty cost every request of every client
/// (a 5,000-customer graph has 30,016 topics with them, 15,008 without).
/// </summary>
public sealed class EmbeddedTopicProvisioner(EmbeddedKafkaBroker broker) : ITopicProvisioner
{
    public Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        broker.CreateTopics(Made(topics));
        return Task.CompletedTask;
    }

    /// <summary>The topics made beforehand on the embedded broker: all but the dead-letter ones.</summary>
    public static IReadOnlyList<(string Topic, int Partitions)> Made(IReadOnlyList<(string Topic, int Partitions)> topics) =>
        [.. topics.Where(static t => !TopicNames.IsDeadLetter(t.Topic))];
}
