using Minemeld.Streams.Hosting.Runtime;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>Creates a graph's topics on the fixture's broker (its API for the embedded one, the admin client otherwise).</summary>
internal sealed class KafkaFixtureProvisioner(KafkaFixture kafka) : ITopicProvisioner
{
    public async Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken)
    {
        foreach (var (topic, partitions) in topics)
        {
            await kafka.CreateTopicAsync(topic, partitions);
        }
    }
}
