using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// One consume loop (docs/architecture.md, "Conventions in the code"): subscribe, read a batch (up to
/// <see cref="KafkaOptions.MaxBatchSize"/> messages or <see cref="KafkaOptions.MaxBatchWaitMs"/>), dead-letter what is
/// not a valid envelope, let the node's handler apply the rest, and store a batch's offsets only once it is durable. Up
/// to <see cref="KafkaOptions.MaxBatchesInFlight"/> batches are applied before the oldest is durable, so the loop reads
/// and computes while earlier batches wait for their acknowledgements and state writes; those finish strictly in order.
/// Transient failures restart the loop from the committed offsets with fresh state; an offset that no longer exists on
/// the broker (data lost) stops this node loudly instead of skipping the gap.
/// </summary>
public sealed partial class EdgeConsumerService(
    Subscription subscription,
    IBatchHandler handler,
    IKafkaClientFactory factory,
    MessagePublisher publisher,
    IOptions<KafkaOptions> options,
    ILogger<EdgeConsumerService> logger) : BackgroundService, INodeConsumer
{
    /// <summary>Set when the loop stopped on an error that needs an operator (readiness reports it).</summary>
    public string? FatalError { get; private set; }

    public bool HasAssignment { get; private set; }

    /// <summary>What made the loop restart last (transient failures), for diagnostics.</summary>
    public Exception? LastRestartCause { get; private set; }

    public string Node => handler.Node;

    /// <summary>The nodes this loop reads for: its one node, as dead letters and the consumed counter take them.</summary>
    private readonly IReadOnlyList<string> _nodes = [handler.Node];

    /// <summary><see cref="_nodes"/> for every topic, as the consumed counter asks (made once, not per batch).</summary>
    private Func<string, IReadOnlyList<string>>? _nodesOfTopic;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private Task RunAsync(CancellationToken stoppingToken) => RestartPolicy.RunAsync(
        () => ConsumeAsync(stoppingToken),
        offsetGone: ex =>
        {
            FatalError = $"committed offset no longer on the broker ({ex.Error.Reason}); messages were lost before this node read them";
            PipelineMetrics.Failed.WithLabels(Node).Set(1);
            LogOffsetGone(logger, Node, subscription.GroupId, ex.Error.Reason);
        },
        restarting: (ex, delay) =>
        {
            LastRestartCause = ex;
            PipelineMetrics.LoopRestarts.WithLabels(subscription.GroupId).Inc();
            LogRestart(logger, ex, Node, delay.TotalMilliseconds);
            handler.Reset();
        },
        stoppingToken);

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        IConsumer<string, byte[]>? current = null;
        var inFlight = new InFlightBatches<PendingBatch>(b => RetireAsync(current!, b), static b => b.Durable.IsCompleted, static b => b.Durable);
        var reader = new BatchReader(o);
        var deadLetters = new DeadLetters(publisher, logger, $"Node {Node}");
        var gate = subscription.CatchUpTopic is { } catchUp ? new CatchUpGate(catchUp) : null;
        using var consumer = factory.CreateConsumer(subscription.GroupId, $"{subscription.GroupId}-{Environment.ProcessId}", new ConsumerCallbacks
        {
            Assigned = starts =>
            {
                HasAssignment = true;
                if (gate is not null)
                {
                    // What this loop already sent (forwards into partitions it may now own) lands before the marks.
                    reader.Guard(() =>
                    {
                        inFlight.SettleAsync().GetAwaiter().GetResult();
                        gate.Assigned(current!, starts);
                    });
                }

                handler.PartitionsAssigned([.. starts.Select(static s => s.TopicPartition)]);
            },
            Revoked = partitions =>
            {
                // Everything applied so far becomes durable, and its offsets stored, before the partitions go: the
                // next owner must find their state written. The callback is synchronous and runs on the loop's own
                // thread (no synchronization context), so it waits for the completions in place.
                reader.Guard(() => inFlight.SettleAsync().GetAwaiter().GetResult());
                gate?.Revoked(current!, partitions);
                handler.PartitionsRevoked(partitions);
            },
        });
        current = consumer;
        consumer.Subscribe(subscription.Topics);
        var topics = string.Join(", ", subscription.Topics);
        LogStarted(logger, Node, subscription.GroupId, topics);

        // A message joins a batch unless it only marks a partition's end or the catch-up gate holds it back.
        bool Admitted(ConsumeResult<string, byte[]> result) => !result.IsPartitionEOF && (gate is null || gate.Admit(consumer, result));

        try
        {
            var batch = new List<ConsumeResult<string, byte[]>>(o.MaxBatchSize);
            var messages = new List<InputMessage>(o.MaxBatchSize);
            while (!stoppingToken.IsCancellationRequested)
            {
                // With batches still in flight, an idle input must not hold their offsets back: wait briefly, and
                // when nothing comes, finish them.
                TimeSpan? wait = inFlight.Count == 0 ? null : TimeSpan.FromMilliseconds(o.MaxBatchWaitMs);
                if (!reader.Read(consumer, batch, Admitted, wait, stoppingToken))
                {
                    await inFlight.SettleAsync().ConfigureAwait(false);
                    continue;
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                inFlight.Add(await ApplyBatchAsync(batch, messages, deadLetters, inFlight.Newest?.Durable ?? Task.CompletedTask).ConfigureAwait(false));
                batch.Clear(); // the consumed messages are garbage now, not held until the next batch

                // Retire what is durable; wait for the oldest while the window is full.
                await inFlight.RetireCompletedAsync(o.MaxBatchesInFlight).ConfigureAwait(false);
            }
        }
        finally
        {
            await inFlight.SettleAndCloseAsync(consumer, ex => LogSettleFailed(logger, ex, Node), ex => LogCloseFailed(logger, ex, Node)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decodes a batch (dead-lettering what is not a valid envelope) into <paramref name="messages"/> (the loop's list,
    /// emptied here and reused for every batch: handlers keep nothing of it past ApplyAsync), applies it, and chains
    /// its completion after <paramref name="previous"/>: the state store is written in batch order.
    /// </summary>
    private async Task<PendingBatch> ApplyBatchAsync(List<ConsumeResult<string, byte[]>> batch, List<InputMessage> messages, DeadLetters deadLetters, Task previous)
    {
        var started = Environment.TickCount64;
        messages.Clear();
        BatchReader.CountConsumed(batch, _nodesOfTopic ??= _ => _nodes);
        foreach (var result in batch)
        {
            if (deadLetters.TryDecode(result, _nodes, out var message))
            {
                messages.Add(message);
            }
        }

        var offsets = LastPerPartition(batch);
        var lettersSent = deadLetters.SendAsync();

        // The handler runs to completion even during shutdown: a half-applied batch would only be replayed.
        BatchCompletion completion;
        try
        {
            completion = await handler.ApplyAsync(messages, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            // The handler's failure is what restarts the loop; the batch (and its dead letters) will be read again.
            await lettersSent.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        finally
        {
            messages.Clear(); // nothing of the batch stays reachable from here until the next one
        }

        return new PendingBatch(CompleteAfterAsync(previous, completion, lettersSent), offsets, started);
    }

    /// <summary>
    /// The work a batch finishes: its last message per partition (a partition's messages arrive in offset order). A
    /// batch reads from a few partitions: a linear search, and no <c>TopicPartition</c> made per message.
    /// </summary>
    private static List<ConsumeResult<string, byte[]>> LastPerPartition(List<ConsumeResult<string, byte[]>> batch)
    {
        var last = new List<ConsumeResult<string, byte[]>>();
        foreach (var result in batch)
        {
            var i = 0;
            while (i < last.Count && (last[i].Partition.Value != result.Partition.Value || last[i].Topic != result.Topic))
            {
                i++;
            }

            if (i == last.Count)
            {
                last.Add(result);
            }
            else if (result.Offset.Value > last[i].Offset.Value)
            {
                last[i] = result;
            }
        }

        return last;
    }

    private static async Task CompleteAfterAsync(Task previous, BatchCompletion completion, Task deadLetters)
    {
        try
        {
            await previous.ConfigureAwait(false);
            await completion().ConfigureAwait(false);
        }
        finally
        {
            await deadLetters.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until a batch is durable, then stores its offsets: the next offset of its last message per partition. A
    /// failed batch fails the ones chained after it too: <see cref="InFlightBatches{TBatch}"/> drops them unstored.
    /// </summary>
    private async Task RetireAsync(IConsumer<string, byte[]> consumer, PendingBatch pending)
    {
        await pending.Durable.ConfigureAwait(false);
        PipelineMetrics.BatchDuration.WithLabels(Node).Observe((Environment.TickCount64 - pending.Started) / 1000.0);
        PipelineMetrics.Batches.WithLabels(Node, "ok").Inc();
        foreach (var last in pending.Offsets)
        {
            try
            {
                consumer.StoreOffset(last);
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
            {
                // The partition was revoked meanwhile; its new owner replays from the committed offset.
                var partition = last.TopicPartition.ToString();
                LogStoreSkipped(logger, Node, partition);
            }
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Node {Node} consuming {Topics} as group {Group}")]
    private static partial void LogStarted(ILogger logger, string node, string group, string topics);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Node {Node}: consume loop failed, restarting from committed offsets in {DelayMs} ms")]
    private static partial void LogRestart(ILogger logger, Exception exception, string node, double delayMs);

    [LoggerMessage(EventId = 203, Level = LogLevel.Critical, Message = "Node {Node} (group {Group}) stopped: its committed offset is gone from the broker ({Reason}). Messages were lost; rebuild the node's inputs.")]
    private static partial void LogOffsetGone(ILogger logger, string node, string group, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "Node {Node}: offset of revoked partition {Partition} not stored")]
    private static partial void LogStoreSkipped(ILogger logger, string node, string partition);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Node {Node}: closing the consumer failed")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string node);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Node {Node}: a batch in flight failed while the loop stopped; its offsets were not stored and it will be replayed")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string node);

    /// <summary>A batch applied in memory and on its way to being durable.</summary>
    private sealed record PendingBatch(Task Durable, List<ConsumeResult<string, byte[]>> Offsets, long Started);
}
