namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>Knobs of the miner runtime that tests and benchmarks turn (production keeps the defaults).</summary>
public sealed class MinerRunOptions
{
    /// <summary>Pause between failed poll attempts: MineMeld waits 1-5 s at random.</summary>
    public TimeSpan MinRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Who this replica is, as the poll lease records it (one per process by default).</summary>
    public string InstanceId { get; set; } = NodeStatus.InstanceId;

    /// <summary>
    /// How long a miner's lease lives unless its holder renews it (every third of it): how long a dead replica's miners
    /// wait before another takes them over. Also how often a holder looks for list edits whose HUP was lost.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Directory that relative <c>file:</c> URLs resolve against (the graph file's directory).</summary>
    public string? GraphDirectory { get; set; }

    /// <summary>
    /// The graph's Kafka clients and topic names, for sources that read a topic (the syslog miner); set by the runtime.
    /// </summary>
    public Kafka.IKafkaClientFactory? Kafka { get; set; }

    /// <summary>The graph's topic names (with <see cref="Kafka"/>).</summary>
    public Kafka.TopicNames? Topics { get; set; }

    /// <summary>A copy of these options with the graph's Kafka clients and names.</summary>
    public MinerRunOptions WithKafka(Kafka.IKafkaClientFactory kafka, Kafka.TopicNames topics)
    {
        var copy = (MinerRunOptions)MemberwiseClone();
        (copy.Kafka, copy.Topics) = (kafka, topics);
        return copy;
    }
}
