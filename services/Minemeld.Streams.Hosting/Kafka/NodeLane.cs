using Confluent.Kafka;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// A node as a <see cref="RoleConsumerService"/> sees it: its handler, its chain of completions, and its quarantine
/// when it failed (its backlog, the offsets it holds back, its retry's backoff).
/// </summary>
internal sealed class NodeLane(RoleConsumerService owner, NodeReader reader) : INodeConsumer
{
    public IBatchHandler Handler { get; } = reader.Handler;

    public HashSet<string> Topics { get; } = reader.Topics.ToHashSet(StringComparer.Ordinal);

    public string Node => Handler.Node;

    public string? FatalError => owner.FatalError ?? ((Failure ?? Broken) is { } failure ? $"ERROR (retried alone): {failure.Message}" : null);

    public bool HasAssignment => owner.HasAssignment;

    /// <summary>The node's last completion: the next one starts after it.</summary>
    public Task Chain { get; set; } = Task.CompletedTask;

    /// <summary>Set when a handler call threw: nothing more is applied until the node is retried.</summary>
    public Exception? Broken { get; set; }

    /// <summary>Set while the node is quarantined.</summary>
    public Exception? Failure { get; private set; }

    public bool Quarantined => Failure is not null;

    /// <summary>The node's messages from its first failed batch on, in order, while quarantined.</summary>
    public List<InputMessage> Backlog { get; private set; } = [];

    /// <summary>
    /// The first offset per partition in the backlog: the partition's stored offset stays at or below it.
    /// </summary>
    public Dictionary<(string Topic, int Partition), long> Hold { get; } = [];

    public int InFlight { get; set; }

    public long NextRetry { get; private set; }

    public Backoff Backoff { get; } = new();

    public List<TopicPartition>? Paused { get; set; }

    public bool GrewSincePause { get; set; }

    /// <summary>The node's messages of the batch being split (null between batches).</summary>
    public List<InputMessage>? Incoming { get; set; }

    /// <summary>How many messages of the batch being split are the node's (counted before its list is made).</summary>
    public int Pending { get; set; }

    public List<TopicPartition> Own(IEnumerable<TopicPartition> partitions) => [.. partitions.Where(p => Topics.Contains(p.Topic))];

    public void Quarantine(Exception failure)
    {
        if (Failure is not null)
        {
            return;
        }

        Failure = failure;
        owner.QuarantinedLanes.Add(this);
        NextRetry = Environment.TickCount64 + (long)Backoff.Current.TotalMilliseconds;
        PipelineMetrics.Failed.WithLabels(Node).Set(1);
    }

    public void AddBacklog(List<InputMessage> messages)
    {
        foreach (var message in messages)
        {
            Hold.TryAdd((message.Topic, message.Partition), message.Offset);
        }

        Backlog.AddRange(messages);
        GrewSincePause = messages.Count > 0;
    }

    public void RetryFailed(Exception failure)
    {
        Failure = failure;
        Backoff.Grow();
        NextRetry = Environment.TickCount64 + (long)Backoff.Current.TotalMilliseconds;
    }

    /// <summary>The backlog is durable: the node rejoins. Returns the partitions it was holding back.</summary>
    public List<(string Topic, int Partition)> Recover()
    {
        var held = Hold.Keys.ToList();
        Hold.Clear();
        Backlog = [];
        Failure = null;
        owner.QuarantinedLanes.Remove(this);
        Broken = null;
        Chain = Task.CompletedTask;
        Backoff.Reset();
        PipelineMetrics.Failed.WithLabels(Node).Set(0);
        return held;
    }

    /// <summary>
    /// Partitions went to another owner, who re-reads them from the held offsets: their backlog goes.
    /// </summary>
    public void Revoked(HashSet<(string Topic, int Partition)> gone)
    {
        if (Failure is null)
        {
            return;
        }

        Backlog.RemoveAll(m => gone.Contains((m.Topic, m.Partition)));
        foreach (var key in gone)
        {
            Hold.Remove(key);
        }

        Paused?.RemoveAll(p => gone.Contains((p.Topic, p.Partition.Value)));
    }

    /// <summary>The loop restarts from the committed offsets: every node starts clean.</summary>
    public void Restart()
    {
        Handler.Reset();
        Recover();
        Paused = null;
        InFlight = 0;
        Incoming = null;
    }
}
