using Confluent.Kafka;
using Minemeld.Streams.EmbeddedKafka;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// A Kafka broker for the whole test assembly: <c>MINEMELD_TEST_KAFKA</c> when set (a real cluster), otherwise the
/// embedded broker. Tests create their own GUID-named topics and groups.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private readonly Lazy<(EmbeddedKafkaBroker? Broker, string? Bootstrap, string? Error)> _start = new(Start);

    public EmbeddedKafkaBroker? Embedded => _start.Value.Broker;

    /// <summary>The bootstrap servers; skips (or fails under CI) when no broker could be had.</summary>
    public string BootstrapServers
    {
        get
        {
            var (_, bootstrap, error) = _start.Value;
            if (bootstrap is null)
            {
                Backend.Unavailable($"no Kafka broker: {error}");
            }

            return bootstrap!;
        }
    }

    /// <summary>Creates a topic, through the embedded broker's API or the admin client of a real cluster.</summary>
    public async Task CreateTopicAsync(string name, int partitions)
    {
        var bootstrap = BootstrapServers;
        if (Embedded is { } broker)
        {
            broker.CreateTopic(name, partitions);
            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public void Dispose() => (_start.IsValueCreated ? _start.Value.Broker : null)?.Dispose();

    private static (EmbeddedKafkaBroker?, string?, string?) Start()
    {
        var external = Environment.GetEnvironmentVariable("MINEMELD_TEST_KAFKA");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return (null, external, null);
        }

        try
        {
            var broker = EmbeddedKafkaBroker.Start();
            return (broker, broker.BootstrapServers, null);
        }
        catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or PlatformNotSupportedException)
        {
            return (null, null, ex.Message);
        }
    }
}
