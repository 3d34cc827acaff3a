using Prometheus;

namespace Minemeld.Streams.Hosting.Metrics;

/// <summary>
/// Prometheus instruments of the consume-process-produce loops (labels: node, topic, outcome; never an indicator).
/// </summary>
public static class PipelineMetrics
{
    public static readonly Counter Consumed = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_consumed_messages_total", "Messages read from input topics.", "node", "topic");

    public static readonly Counter DeadLettered = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_dead_lettered_messages_total", "Messages that were not valid envelopes, sent to <topic>.dlq.", "node", "topic");

    public static readonly Counter Batches = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_batches_total", "Batches handled, by outcome.", "node", "outcome");

    public static readonly Histogram BatchDuration = Prometheus.Metrics.CreateHistogram(
        "minemeld_pipeline_batch_duration_seconds", "Time to handle one batch (state, produce and acks).", new HistogramConfiguration
        {
            LabelNames = ["node"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 14),
        });

    public static readonly Counter Published = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_published_messages_total", "Messages produced downstream, by operation.", "node", "op");

    public static readonly Gauge Failed = Prometheus.Metrics.CreateGauge(
        "minemeld_pipeline_node_failed", "1 while a node's loop has stopped on an error that needs an operator.", "node");

    public static readonly Counter ProduceTimeouts = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_produce_timeouts_total", "Produce rounds whose messages were not all acknowledged in time.");

    public static readonly Counter LoopRestarts = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_loop_restarts_total", "Consume loops restarted from the committed offsets after a transient failure.", "group");

    public static readonly Gauge ParkedPartitions = Prometheus.Metrics.CreateGauge(
        "minemeld_pipeline_parked_partitions", "Partitions read to their end and paused until this process writes to them (Kafka:ParkIdlePartitions).", "group");

    public static readonly Counter NodeRetries = Prometheus.Metrics.CreateCounter(
        "minemeld_pipeline_node_retries_total", "Times a failed node was retried alone, by outcome.", "node", "outcome");
}
