using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Creates topics on a real cluster through the admin API; existing topics are left as they are. Table topics are
/// compacted: the last value of every indicator stays, tombstones go after the cluster's <c>delete.retention.ms</c>.
/// </summary>
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
                Configs = Configs(t.Topic),
            })], new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(static r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already there: nothing to do.
        }
    }

    /// <summary>The settings a topic is created with (<c>minemeld topics --dry-run</c> shows them).</summary>
    public static Dictionary<string, string> Configs(string topic) => TopicNames.IsTable(topic)
        ? new() { ["compression.type"] = "producer", ["cleanup.policy"] = "compact" }
        : new() { ["compression.type"] = "producer" };
}
