using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Creates topics on a real cluster through the admin API; existing topics are left as they are.</summary>
public sealed class AdminTopicProvisioner(string bootstrapServers, short replicationFactor = 1) : ITopicProvisioner
{
    public async Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        try
        {
            await admin.CreateTopicsAsync([.. topics.Select(t => new TopicSpecification
            {
                Name = t.Topic,
                NumPartitions = t.Partitions,
                ReplicationFactor = replicationFactor,
                Configs = new Dictionary<string, string> { ["compression.type"] = "producer" },
            })]).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(static r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already there: nothing to do.
        }
    }
}
