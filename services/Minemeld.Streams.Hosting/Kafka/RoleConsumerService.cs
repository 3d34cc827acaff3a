using System.Buffers;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>A node served by a <see cref="RoleConsumerService"/>: its handler and the topics it reads.</summary>
/// <param name="Handler">The node's logic and state.</param>
/// <param name="Topics">Every topic the node reads (its inputs' edges, and an aggregator's repartition topic).</param>
/// <param name="CatchUpTopic">
/// A topic read to its end at every assignment before any other (see <see cref="CatchUpGate"/>).
/// </param>
public sealed record NodeReader(IBatchHandler Handler, IReadOnlyList<string> Topics, string? CatchUpTopic = null);

/// <summary>
/// One consume loop for every node of a role (Kafka Streams' model: the role is one application, one consumer
/// group): it subscribes to the union of the nodes' topics, and each batch is handed to every node that reads one of
/// its topics, each node getting its own messages in offset order. A partition's offset is stored only once every
/// node that read the batch has made it durable, so the engine's order holds for each node (publish, wait for acks,
/// write state, then store offsets) and a crash replays what some node had not finished; the others absorb it, as
/// handlers are idempotent. The process's Kafka clients and threads no longer grow with the number of nodes: one
/// consumer per role (and per <see cref="KafkaOptions.ConsumersPerSubscription"/>), one producer.
/// <para>
/// A node is isolated from the others. When its handler throws or its completion fails (a state write, a produce
/// timeout), the node is quarantined: it is reported as ERROR, its messages from the failed batch on are kept in a
/// backlog, and the offsets of the partitions it reads are held at its first unfinished message (a crash or a new
/// owner re-reads from there). The other nodes go on. The node is retried alone with backoff: its in-memory state is
/// reset (it reloads from the store) and its backlog applied again; once that is durable it rejoins and the held
/// offsets move on. A backlog past <see cref="KafkaOptions.MaxNodeBacklog"/> pauses the partitions the node reads,
/// which bounds memory at the price of holding back the nodes that share those partitions.
/// </para>
/// </summary>
public sealed partial class RoleConsumerService : BackgroundService
{
    /// <summary>
    /// How long a loop with parked partitions blocks in Consume (a wake arrives as a fetched message).
    /// </summary>
    private static readonly TimeSpan ParkedConsumeWait = TimeSpan.FromMilliseconds(250);

    private readonly string _group;
    private readonly List<NodeLane> _lanes;
    private readonly Dictionary<string, NodeLane[]> _readers;
    private readonly HashSet<string> _catchUpTopics;
    private readonly IKafkaClientFactory _factory;
    private readonly MessagePublisher _publisher;
    private readonly IOptions<KafkaOptions> _options;
    private readonly ILogger<RoleConsumerService> _logger;
    private readonly PartitionParking _parking;

    /// <summary>
    /// The next offset after the last message of each partition whose batch was retired (every node durable or
    /// quarantined).
    /// </summary>
    private readonly Dictionary<(string Topic, int Partition), long> _retired = [];

    /// <summary>
    /// The next offset after the last message handed to the nodes, per partition (where a pause seeks back to).
    /// </summary>
    private readonly Dictionary<(string Topic, int Partition), long> _position = [];

    private readonly HashSet<TopicPartition> _assigned = [];

    private long _nextLagReport;

    private PartitionActivity.Listener? _activity;

    /// <summary>
    /// The lag last set per partition: an unchanged lag is not set again (thousands of series at rest).
    /// </summary>
    private readonly Dictionary<TopicPartition, long> _lagReported = [];

    /// <summary>
    /// The names of the nodes reading each topic, for the lag series (made once, read every statistics interval).
    /// </summary>
    private readonly Dictionary<string, string[]> _nodesOf;

    /// <summary><see cref="_nodesOf"/> as the consumed counter asks for it (made once, not per batch).</summary>
    private readonly Func<string, IReadOnlyList<string>> _nodesOfTopic;

    public RoleConsumerService(
        string group,
        IReadOnlyList<NodeReader> readers,
        IKafkaClientFactory factory,
        MessagePublisher publisher,
        IOptions<KafkaOptions> options,
        ILogger<RoleConsumerService> logger)
    {
        ArgumentNullException.ThrowIfNull(readers);
        _group = group;
        _factory = factory;
        _publisher = publisher;
        _options = options;
        _logger = logger;
        _lanes = [.. readers.Select(r => new NodeLane(this, r))];
        _readers = _lanes.SelectMany(l => l.Topics.Select(t => (Topic: t, Lane: l)))
            .GroupBy(static p => p.Topic, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Select(static p => p.Lane).ToArray(), StringComparer.Ordinal);
        _catchUpTopics = readers.Select(static r => r.CatchUpTopic).OfType<string>().ToHashSet(StringComparer.Ordinal);
        _nodesOf = _readers.ToDictionary(static r => r.Key, static r => r.Value.Select(static l => l.Node).ToArray(), StringComparer.Ordinal);
        _nodesOfTopic = topic => _nodesOf[topic];
        _parking = new PartitionParking(group, logger);
    }

    public string Group => _group;

    /// <summary>The handlers of the nodes this loop serves, in the order given.</summary>
    public IReadOnlyList<IBatchHandler> Handlers => [.. _lanes.Select(static l => l.Handler)];

    /// <summary>Every node this loop serves, with its health.</summary>
    public IReadOnlyList<INodeConsumer> Nodes => _lanes;

    /// <summary>Set when the loop stopped on an error that needs an operator (every node reports it).</summary>
    public string? FatalError { get; private set; }

    public bool HasAssignment { get; private set; }

    /// <summary>How many partitions are parked now (read to their end, paused until written to).</summary>
    public int ParkedPartitions => _parking.Count;

    /// <summary>The nodes in quarantine now (usually none): what the hot path looks at instead of every node.</summary>
    internal List<NodeLane> QuarantinedLanes { get; } = [];

    /// <summary>What made the loop restart last (transient failures), for diagnostics.</summary>
    public Exception? LastRestartCause { get; private set; }

    /// <summary>
    /// Starts listening for acknowledgements before the loop runs: a caller that publishes once this returned is heard
    /// of even if the loop's first fetch comes before its messages land. The listener lives as long as the service,
    /// across the loop's restarts.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Value.ParkIdlePartitions)
        {
            _activity ??= PartitionActivity.Listen(_readers.Keys);
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _activity?.Dispose();
        _activity = null;
    }

    public override void Dispose()
    {
        _parking.Dispose();
        _activity?.Dispose();
        _activity = null;
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private Task RunAsync(CancellationToken stoppingToken) => RestartPolicy.RunAsync(
        () => ConsumeAsync(stoppingToken),
        offsetGone: ex =>
        {
            FatalError = $"committed offset no longer on the broker ({ex.Error.Reason}); messages were lost before this node read them";
            foreach (var lane in _lanes)
            {
                PipelineMetrics.Failed.WithLabels(lane.Node).Set(1);
            }

            LogOffsetGone(_logger, _group, ex.Error.Reason);
        },
        restarting: (ex, delay) =>
        {
            // Something every node shares failed (the consumer, the dead-letter producer): start again from the
            // committed offsets, every node with fresh state.
            LastRestartCause = ex;
            PipelineMetrics.LoopRestarts.WithLabels(_group).Inc();
            LogRestart(_logger, ex, _group, delay.TotalMilliseconds);
            foreach (var lane in _lanes)
            {
                lane.Restart();
            }
        },
        stoppingToken);

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        var o = _options.Value;
        IConsumer<string, byte[]>? current = null;
        var inFlight = new InFlightBatches<PendingBatch>(b => RetireAsync(current!, b), static b => b.IsCompleted, static b => b.WhenCompleted());
        var reader = new BatchReader(o);
        var deadLetters = new DeadLetters(_publisher, _logger, $"Group {_group}");
        var gate = _catchUpTopics.Count > 0 ? new CatchUpGate(_catchUpTopics) : null;
        _retired.Clear();
        _position.Clear();
        _assigned.Clear();
        _lagReported.Clear();
        var activity = _activity;
        using var consumer = _factory.CreateConsumer(_group, $"{_group}-{Environment.ProcessId}", new ConsumerCallbacks
        {
            Assigned = starts =>
            {
                HasAssignment = true;
                reader.Guard(() => Assigned(current!, starts, gate, inFlight));
            },
            Revoked = partitions =>
            {
                // Everything applied so far becomes durable (or quarantined), and its offsets stored, before the
                // partitions go: the next owner must find the state written. The callback is synchronous and runs
                // on the loop's own thread (no synchronization context), so it waits for the completions in place.
                reader.Guard(() => inFlight.SettleAsync().GetAwaiter().GetResult());
                Revoked(current!, partitions, gate);
            },
            NodesOf = topic => _nodesOf.TryGetValue(topic, out var nodes) ? nodes : [],
            ParkIdle = activity is not null,
        });
        current = consumer;
        consumer.Subscribe(_readers.Keys);
        LogStarted(_logger, _group, _lanes.Count, _readers.Count);

        // A partition's end parks it; the catch-up gate holds back what must wait for the catch-up topic.
        bool Admitted(ConsumeResult<string, byte[]> result)
        {
            if (result.IsPartitionEOF)
            {
                Park(consumer, result, gate);
                return false;
            }

            return gate is null || gate.Admit(consumer, result);
        }

        if (activity is not null)
        {
            _parking.StartWaker(consumer, activity, o.ParkedRecheckMs);
        }

        try
        {
            var batch = new List<ConsumeResult<string, byte[]>>(o.MaxBatchSize);
            while (!stoppingToken.IsCancellationRequested)
            {
                if (activity is not null && o.StatisticsIntervalMs > 0 && Environment.TickCount64 >= _nextLagReport)
                {
                    _nextLagReport = Environment.TickCount64 + o.StatisticsIntervalMs;
                    ReportLag(consumer);
                }

                // With batches in flight or nodes waiting for a retry, an idle input must not hold them back. With
                // parking, a wake resumes a partition from the waker thread and its messages end the wait.
                var waiting = inFlight.Count > 0 || QuarantinedLanes.Count > 0;
                TimeSpan? wait = waiting ? TimeSpan.FromMilliseconds(Math.Max(1, o.MaxBatchWaitMs)) : activity is not null ? ParkedConsumeWait : null;
                if (!reader.Read(consumer, batch, Admitted, wait, stoppingToken))
                {
                    await inFlight.SettleAsync().ConfigureAwait(false);
                    PauseOverfullBacklogs(consumer);
                    await RetryDueAsync(consumer).ConfigureAwait(false);
                    continue;
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                inFlight.Add(await ApplyBatchAsync(batch, deadLetters).ConfigureAwait(false));
                batch.Clear();
                await inFlight.RetireCompletedAsync(o.MaxBatchesInFlight).ConfigureAwait(false);

                // A node is quarantined (and its backlog grows) as its batches retire: pause right after.
                PauseOverfullBacklogs(consumer);

                await RetryDueAsync(consumer).ConfigureAwait(false);
            }
        }
        finally
        {
            // The waker calls into the consumer: it stops before the consumer closes.
            _parking.StopWaker();
            await inFlight.SettleAndCloseAsync(consumer, ex => LogSettleFailed(_logger, ex, _group), ex => LogCloseFailed(_logger, ex, _group)).ConfigureAwait(false);
        }
    }

    private void Assigned(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartitionOffset> starts, CatchUpGate? gate, InFlightBatches<PendingBatch> inFlight)
    {
        if (gate is not null)
        {
            // What this loop already sent (forwards into partitions it may now own) lands before the marks.
            inFlight.SettleAsync().GetAwaiter().GetResult();
            gate.Assigned(consumer, starts);
        }

        var partitions = starts.Select(static s => s.TopicPartition).ToList();
        _assigned.UnionWith(partitions);
        foreach (var lane in _lanes)
        {
            lane.Handler.PartitionsAssigned(lane.Own(partitions));
        }
    }

    /// <summary>
    /// Partitions go (after every batch in flight was retired): nothing of theirs stays parked, held, or backlogged
    /// here.
    /// </summary>
    private void Revoked(IConsumer<string, byte[]> consumer, IReadOnlyList<TopicPartition> partitions, CatchUpGate? gate)
    {
        gate?.Revoked(consumer, partitions);
        _parking.Unpark(consumer, partitions);
        var gone = partitions.Select(static p => (p.Topic, p.Partition.Value)).ToHashSet();
        _assigned.ExceptWith(partitions);
        foreach (var partition in partitions)
        {
            _lagReported.Remove(partition);
        }

        foreach (var key in gone)
        {
            _retired.Remove(key);
            _position.Remove(key);
        }

        foreach (var lane in _lanes)
        {
            lane.Revoked(gone);
            lane.Handler.PartitionsRevoked(lane.Own(partitions));
        }
    }

    /// <summary>
    /// Decodes a batch (dead-lettering what is not a valid envelope once, whoever reads it), splits it by node and
    /// applies each node's part, chaining its completion after that node's previous one.
    /// </summary>
    private async Task<PendingBatch> ApplyBatchAsync(List<ConsumeResult<string, byte[]>> batch, DeadLetters deadLetters)
    {
        var started = Environment.TickCount64;
        var touched = Split(batch, deadLetters);
        var offsets = BatchReader.NextOffsets(batch);
        foreach (var (key, next) in offsets)
        {
            _position[key] = next;
        }

        var lettersSent = deadLetters.SendAsync();
        var work = new List<LaneWork>(touched.Count);
        foreach (var lane in touched)
        {
            var messages = lane.Incoming!;
            lane.Incoming = null;
            if (lane.Quarantined)
            {
                lane.AddBacklog(messages);
                continue;
            }

            // The handler runs to completion even during shutdown: a half-applied batch would only be replayed.
            Task durable;
            if (lane.Broken is { } broken)
            {
                durable = Task.FromException(broken);
            }
            else
            {
                try
                {
                    var completion = await lane.Handler.ApplyAsync(messages, CancellationToken.None).ConfigureAwait(false);
                    durable = CompleteAfterAsync(lane.Chain, completion);
                }
                catch (Exception ex)
                {
                    // Its in-memory state is suspect from here: nothing more is applied until it is retried.
                    lane.Broken = ex;
                    durable = Task.FromException(ex);
                }
            }

            lane.Chain = durable;
            lane.InFlight++;
            work.Add(new LaneWork(lane, durable, messages));
        }

        return new PendingBatch(work, offsets, lettersSent, started);
    }

    /// <summary>
    /// Decodes the batch and hands each message to every node reading its topic, in offset order: sets each such
    /// node's <see cref="NodeLane.Incoming"/> and returns those nodes. Decoded first, then split: each node's list
    /// is made at its final size (growing them message by message cost as much garbage as the messages themselves).
    /// </summary>
    private List<NodeLane> Split(List<ConsumeResult<string, byte[]>> batch, DeadLetters deadLetters)
    {
        var touched = new List<NodeLane>();
        BatchReader.CountConsumed(batch, _nodesOfTopic);
        var decoded = ArrayPool<InputMessage>.Shared.Rent(batch.Count);
        var readersOf = ArrayPool<NodeLane[]>.Shared.Rent(batch.Count);
        var count = 0;
        try
        {
            foreach (var result in batch)
            {
                var readers = _readers[result.Topic];
                if (!deadLetters.TryDecode(result, _nodesOf[result.Topic], out decoded[count]))
                {
                    continue;
                }

                readersOf[count++] = readers;
                foreach (var lane in readers)
                {
                    if (lane.Pending++ == 0)
                    {
                        touched.Add(lane);
                    }
                }
            }

            foreach (var lane in touched)
            {
                lane.Incoming = new List<InputMessage>(lane.Pending);
                lane.Pending = 0;
            }

            for (var i = 0; i < count; i++)
            {
                foreach (var lane in readersOf[i])
                {
                    lane.Incoming!.Add(decoded[i]);
                }
            }
        }
        finally
        {
            ArrayPool<InputMessage>.Shared.Return(decoded, clearArray: true);
            ArrayPool<NodeLane[]>.Shared.Return(readersOf, clearArray: true);
        }

        return touched;
    }

    private static async Task CompleteAfterAsync(Task previous, BatchCompletion completion)
    {
        await previous.ConfigureAwait(false);
        await completion().ConfigureAwait(false);
    }

    /// <summary>
    /// Retires a batch: each node's part is durable, or the node is quarantined with it; then the batch's offsets are
    /// stored, held back where a quarantined node has not finished. Only a shared failure (the dead letters could not
    /// be sent) throws, and restarts the loop.
    /// </summary>
    private async Task RetireAsync(IConsumer<string, byte[]> consumer, PendingBatch pending)
    {
        await pending.DeadLetters.ConfigureAwait(false);
        foreach (var work in pending.Work)
        {
            work.Lane.InFlight--;
            try
            {
                await work.Durable.ConfigureAwait(false);
                PipelineMetrics.Batches.WithLabels(work.Lane.Node, "ok").Inc();
            }
            catch (Exception ex)
            {
                PipelineMetrics.Batches.WithLabels(work.Lane.Node, "failed").Inc();
                if (!work.Lane.Quarantined)
                {
                    LogQuarantined(_logger, ex, work.Lane.Node, _group);
                }

                work.Lane.Quarantine(ex);
                work.Lane.AddBacklog(work.Messages);
            }
        }

        PipelineMetrics.BatchDuration.WithLabels(_group).Observe((Environment.TickCount64 - pending.Started) / 1000.0);
        foreach (var (key, next) in pending.Offsets)
        {
            _retired[key] = next;
            Store(consumer, key, next);
        }
    }

    /// <summary>
    /// Stores <paramref name="next"/> for a partition, or the first offset a quarantined node still has to finish
    /// there.
    /// </summary>
    private void Store(IConsumer<string, byte[]> consumer, (string Topic, int Partition) key, long next)
    {
        foreach (var lane in QuarantinedLanes)
        {
            if (lane.Hold.TryGetValue(key, out var held) && held < next)
            {
                next = held;
            }
        }

        try
        {
            consumer.StoreOffset(new TopicPartitionOffset(key.Topic, new Partition(key.Partition), new Offset(next)));
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
        {
            // The partition was revoked meanwhile; its new owner replays from the committed offset.
            LogStoreSkipped(_logger, _group, key.Topic, key.Partition);
        }
    }

    /// <summary>
    /// Retries, alone, each quarantined node whose backoff has passed and whose batches have all come back.
    /// </summary>
    private async Task RetryDueAsync(IConsumer<string, byte[]> consumer)
    {
        var now = Environment.TickCount64;
        foreach (var lane in QuarantinedLanes.ToList())
        {
            if (lane.InFlight > 0 || now < lane.NextRetry)
            {
                continue;
            }

            try
            {
                lane.Handler.Reset();
                lane.Handler.PartitionsAssigned(lane.Own(_assigned));
                var backlog = lane.Backlog;
                var size = Math.Max(1, _options.Value.MaxBatchSize);
                for (var i = 0; i < backlog.Count; i += size)
                {
                    var chunk = backlog.GetRange(i, Math.Min(size, backlog.Count - i));
                    var completion = await lane.Handler.ApplyAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                    await completion().ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                PipelineMetrics.NodeRetries.WithLabels(lane.Node, "failed").Inc();
                lane.RetryFailed(ex);
                LogRetryFailed(_logger, ex, lane.Node, lane.Backoff.Current.TotalMilliseconds);
                continue;
            }

            PipelineMetrics.NodeRetries.WithLabels(lane.Node, "ok").Inc();
            LogRecovered(_logger, lane.Node, lane.Backlog.Count);
            var held = lane.Recover();
            foreach (var key in held)
            {
                if (_retired.TryGetValue(key, out var next))
                {
                    Store(consumer, key, next);
                }
            }

            if (lane.Paused is { } paused)
            {
                // Resumed unless another quarantined node still holds it paused (this one no longer does).
                lane.Paused = null;
                var stillPaused = QuarantinedLanes.Where(static l => l.Paused is not null).SelectMany(static l => l.Paused!).ToHashSet();
                var resume = paused.Where(p => !stillPaused.Contains(p) && _assigned.Contains(p)).ToList();
                if (resume.Count > 0)
                {
                    consumer.Resume(resume);
                }
            }
        }
    }

    /// <summary>
    /// A partition was read to its end: it is parked (<see cref="PartitionParking.Park"/>) unless it is no longer
    /// assigned, or the catch-up gate or a full backlog holds it (they resume it themselves).
    /// </summary>
    private void Park(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> end, CatchUpGate? gate)
    {
        var partition = end.TopicPartition;
        if (!_assigned.Contains(partition) || gate?.Holds(partition) == true || HeldByBacklog(partition))
        {
            return;
        }

        _parking.Park(consumer, end);
    }

    private bool HeldByBacklog(TopicPartition partition) => QuarantinedLanes.Exists(l => l.Paused?.Contains(partition) == true);

    /// <summary>
    /// Sets the lag gauges of every assigned partition when librdkafka's statistics are off (parking turns them off:
    /// their per-partition timers and offset requests cost more than everything else at rest): the partition's end, as
    /// acknowledged to this process's producer or as last fetched, less what the loop has retired there. A parked
    /// partition was read to its end, so only what was written since counts; the client is asked only about the
    /// partitions being fetched (it finds a topic by a linear search, too slow for thousands every interval).
    /// </summary>
    private void ReportLag(IConsumer<string, byte[]> consumer)
    {
        foreach (var partition in _assigned)
        {
            var key = (partition.Topic, partition.Partition.Value);
            var parked = _parking.TryGetParked(partition, out var parkedAt);

            long done;
            if (_retired.TryGetValue(key, out var retired))
            {
                done = retired;
            }
            else if (parked)
            {
                done = parkedAt;
            }
            else
            {
                continue;
            }

            var end = Math.Max(parked ? parkedAt : Fetched(consumer, partition), PartitionActivity.End(partition.Topic, partition.Partition.Value));
            var lag = Math.Max(0, end - done);
            if (end >= 0 && !(_lagReported.TryGetValue(partition, out var reported) && reported == lag))
            {
                ConsumerLag.Set(_group, _nodesOf.TryGetValue(partition.Topic, out var nodes) ? nodes : [], partition, lag);
                _lagReported[partition] = lag;
            }
        }

        static long Fetched(IConsumer<string, byte[]> consumer, TopicPartition partition) =>
            consumer.GetWatermarkOffsets(partition).High is { IsSpecial: false } high ? high.Value : -1;
    }

    /// <summary>
    /// Pauses the partitions of a quarantined node whose backlog is full, at the first message not yet handed out.
    /// </summary>
    private void PauseOverfullBacklogs(IConsumer<string, byte[]> consumer)
    {
        var limit = _options.Value.MaxNodeBacklog;
        foreach (var lane in QuarantinedLanes)
        {
            if (lane.Backlog.Count < limit || !lane.GrewSincePause)
            {
                continue;
            }

            // Held by the backlog now: a wake must not resume them.
            var partitions = lane.Own(_assigned);
            _parking.PauseHeld(consumer, partitions);

            foreach (var partition in partitions)
            {
                if (_position.TryGetValue((partition.Topic, partition.Partition.Value), out var next))
                {
                    consumer.Seek(new TopicPartitionOffset(partition, new Offset(next)));
                }
            }

            lane.Paused = [.. partitions];
            lane.GrewSincePause = false;
            LogPaused(_logger, lane.Node, lane.Backlog.Count, partitions.Count);
        }
    }


    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Group {Group} consuming for {Nodes} nodes over {Topics} topics")]
    private static partial void LogStarted(ILogger logger, string group, int nodes, int topics);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Group {Group}: consume loop failed, restarting from committed offsets in {DelayMs} ms")]
    private static partial void LogRestart(ILogger logger, Exception exception, string group, double delayMs);

    [LoggerMessage(EventId = 213, Level = LogLevel.Critical, Message = "Group {Group} stopped: a committed offset is gone from the broker ({Reason}). Messages were lost; rebuild the nodes' inputs.")]
    private static partial void LogOffsetGone(ILogger logger, string group, string reason);

    [LoggerMessage(EventId = 214, Level = LogLevel.Debug, Message = "Group {Group}: offset of revoked partition {Topic} [{Partition}] not stored")]
    private static partial void LogStoreSkipped(ILogger logger, string group, string topic, int partition);

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "Group {Group}: closing the consumer failed")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string group);

    [LoggerMessage(EventId = 216, Level = LogLevel.Warning, Message = "Group {Group}: a batch in flight failed while the loop stopped; its offsets were not stored and it will be replayed")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string group);

    [LoggerMessage(EventId = 217, Level = LogLevel.Error, Message = "Node {Node} (group {Group}) failed: quarantined and retried alone; the other nodes go on")]
    private static partial void LogQuarantined(ILogger logger, Exception exception, string node, string group);

    [LoggerMessage(EventId = 218, Level = LogLevel.Warning, Message = "Node {Node}: retry failed, next in {DelayMs} ms")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception, string node, double delayMs);

    [LoggerMessage(EventId = 219, Level = LogLevel.Information, Message = "Node {Node} recovered ({Backlog} messages applied again)")]
    private static partial void LogRecovered(ILogger logger, string node, int backlog);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Node {Node}: backlog of {Backlog} messages is full, pausing its {Partitions} partitions")]
    private static partial void LogPaused(ILogger logger, string node, int backlog, int partitions);

    /// <summary>One node's part of a batch, and the task that ends when it is durable.</summary>
    private sealed record LaneWork(NodeLane Lane, Task Durable, List<InputMessage> Messages);

    /// <summary>A batch handed to its nodes and on its way to being durable.</summary>
    private sealed record PendingBatch(List<LaneWork> Work, List<KeyValuePair<(string Topic, int Partition), long>> Offsets, Task DeadLetters, long Started)
    {
        public bool IsCompleted => DeadLetters.IsCompleted && Work.TrueForAll(static w => w.Durable.IsCompleted);

        public Task WhenCompleted() => Task.WhenAll(Work.Select(static w => w.Durable).Append(DeadLetters));
    }
}
