namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Creates the topics a graph needs, with their partition counts (idempotent).</summary>
public interface ITopicProvisioner
{
    Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken);
}
