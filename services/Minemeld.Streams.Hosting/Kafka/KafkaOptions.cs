using System.ComponentModel.DataAnnotations;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// How a worker reaches Kafka and how it consumes and produces (docs/architecture.md, "Conventions in the code": our
/// own options, not raw configs).
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Comma-separated host:port list.</summary>
    [Required]
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>First part of every topic and consumer group name.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z0-9._-]+$")]
    public string TopicPrefix { get; set; } = "minemeld";

    /// <summary><c>range</c> (required with the embedded broker) or <c>cooperative-sticky</c>.</summary>
    [RegularExpression("^(range|roundrobin|cooperative-sticky)$")]
    public string Assignor { get; set; } = "cooperative-sticky";

    /// <summary>Edge topics are compressed (the embedded broker keeps only 5 MiB per partition).</summary>
    [RegularExpression("^(lz4|zstd|snappy|gzip|none)$")]
    public string Compression { get; set; } = "lz4";

    [Range(1000, 300_000)]
    public int SessionTimeoutMs { get; set; } = 10_000;

    [Range(0, 1000)]
    public int LingerMs { get; set; } = 5;

    /// <summary>Most messages handled as one batch (one Redis pipeline, one produce-and-ack round).</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 5_000;

    /// <summary>
    /// Consume loops this process runs per subscription (an aggregator's two stages, an output), each a member of the
    /// consumer group with partitions and state of its own, as replicas in separate processes are (Kafka Streams calls
    /// them stream threads). More loops use more cores for one node; more replicas spread nodes over machines.
    /// </summary>
    [Range(1, 64)]
    public int ConsumersPerSubscription { get; set; } = 1;

    /// <summary>
    /// How consumed nodes share Kafka clients. <c>role</c> (the default): one consumer group per role of the graph
    /// (processors, outputs), one consume loop per role in each process, fanning every batch out to the nodes that
    /// read its topics (<see cref="RoleConsumerService"/>); clients and threads do not grow with the number of nodes.
    /// <c>node</c>: the earlier layout, one consumer group and loop per node (<see cref="EdgeConsumerService"/>).
    /// </summary>
    [RegularExpression("^(role|node)$")]
    public string Layout { get; set; } = "role";

    /// <summary>
    /// Messages a failed node may keep waiting for its retry (<see cref="Layout"/> <c>role</c>) before the partitions
    /// it reads are paused.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxNodeBacklog { get; set; } = 100_000;

    /// <summary>
    /// Batches a consume loop applies before the oldest of them is durable (acknowledged and written): while one batch
    /// waits for its acks and state writes, the next is read and computed. 1 handles one batch at a time.
    /// </summary>
    [Range(1, 16)]
    public int MaxBatchesInFlight { get; set; } = 2;

    /// <summary>
    /// How often the consumer-lag gauges are set: from librdkafka's statistics, or, when the loop parks idle partitions
    /// (<see cref="ParkIdlePartitions"/>, which turns those statistics off), by the loop itself. 0 turns them off.
    /// </summary>
    [Range(0, 3_600_000)]
    public int StatisticsIntervalMs { get; set; } = 5_000;

    /// <summary>How long a batch waits to fill once its first message is in.</summary>
    [Range(0, 10_000)]
    public int MaxBatchWaitMs { get; set; } = 20;

    /// <summary>
    /// Park the partitions a role's consume loop has read to their end (pause them) until this process's producer has
    /// something new acknowledged in one of them (<see cref="PartitionActivity"/>), then resume it at once. Only right
    /// when every producer of the graph's topics runs in this process, as with the embedded broker of
    /// <c>minemeld run</c> (which turns it on): that broker answers a fetch with no data only after
    /// <c>fetch.wait.max.ms</c> and is not woken by new data, so thousands of idle partitions would cost a quarter of a
    /// core and every hop of an edit up to half a second. A real broker serves idle partitions cheaply (fetch
    /// sessions) and answers a waiting fetch as soon as data arrives: leave it off there.
    /// </summary>
    public bool ParkIdlePartitions { get; set; }

    /// <summary>
    /// With <see cref="ParkIdlePartitions"/>, how often every parked partition is resumed anyway, in case something
    /// was written to it from outside this process; 0 never does.
    /// </summary>
    [Range(0, 3_600_000)]
    public int ParkedRecheckMs { get; set; } = 300_000;

    /// <summary>
    /// Create the graph's topics at start (through the admin API). Off when topics are made beforehand
    /// (<c>minemeld topics</c>, or a broker that does not answer CreateTopics, such as the embedded one).
    /// </summary>
    public bool CreateTopics { get; set; } = true;

    /// <summary>Rare librdkafka settings passed through verbatim (security.protocol, sasl.*, ssl.*...).</summary>
    public Dictionary<string, string> Librdkafka { get; set; } = [];
}
