using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Creates topics on a real cluster through the admin API; existing topics are left as they are.</summary>
public sealed class AdminTopicProvisioner(IKafkaClientFactory factory, short replicationFactor = 1) : ITopicProvisioner
{
    public async Task EnsureAsync(IReadOnlyList<(string Topic, int Partitions)> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        using var admin = factory.CreateAdminClient($"minemeld-admin-{Environment.ProcessId}");
        try
        {
            await admin.CreateTopicsAsync([.. topics.Select(t => new TopicSpecification
            {
                Name = t.Topic,
                NumPartitions = t.Partitions,
                ReplicationFactor = replicationFactor,
                Configs = new Dictionary<string, string> { ["compression.type"] = "producer" },
            })], new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(static r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already there: nothing to do.
        }
    }
}
