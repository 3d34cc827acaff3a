namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Topics are made beforehand (<c>Kafka:CreateTopics=false</c>): nothing to do at start.</summary>
public sealed class ExistingTopics : ITopicProvisioner
{
    public Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken) => Task.CompletedTask;
}
