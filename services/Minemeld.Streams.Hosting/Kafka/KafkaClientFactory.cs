using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// Builds Confluent clients from <see cref="KafkaOptions"/> with the engine's invariants:
/// <list type="bullet">
/// <item>consumers store offsets only when told (<c>enable.auto.offset.store=false</c>) and commit stored offsets in
/// the background; a partition without a committed offset starts at the beginning, while a committed offset
/// that no longer exists is an error (<c>auto.offset.reset=error</c>), never a silent skip;</item>
/// <item>producers are idempotent, wait for all replicas and compress;</item>
/// <item>librdkafka's logs and errors go to ILogger; consumers' statistics become the consumer-lag gauges.</item>
/// </list>
/// </summary>
public sealed partial class KafkaClientFactory(IOptions<KafkaOptions> options, ILogger<KafkaClientFactory> logger) : IKafkaClientFactory
{
    private static readonly TimeSpan CommittedTimeout = TimeSpan.FromSeconds(30);

    /// <summary><c>fetch.wait.max.ms</c> of a consumer that parks idle partitions.</summary>
    private const int ParkedFetchWaitMs = 25;

    /// <summary><c>auto.commit.interval.ms</c> of a consumer that parks idle partitions.</summary>
    private const int ParkedAutoCommitMs = 5_000;

    public IProducer<string, byte[]> CreateProducer(string clientId)
    {
        var o = options.Value;
        var config = new ProducerConfig(Base(o, clientId))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = o.LingerMs,
            CompressionType = Enum.Parse<CompressionType>(o.Compression, ignoreCase: true),
            QueueBufferingMaxMessages = 500_000,
            // Delivery reports carry only the status: the caller counts acks and never reads the message back.
            DeliveryReportFields = "status",
        };
        return new ProducerBuilder<string, byte[]>(config)
            .SetKeySerializer(TransientUtf8Serializer.Instance)
            .SetLogHandler((_, m) => Log(m))
            .SetErrorHandler((_, e) => LogClientError(logger, clientId, e.Code, e.Reason, e.IsFatal))
            .Build();
    }

    public IConsumer<string, byte[]> CreateConsumer(string groupId, string clientId, ConsumerCallbacks callbacks)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        var o = options.Value;
        var config = new ConsumerConfig(Base(o, clientId))
        {
            GroupId = groupId,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Error,
            SessionTimeoutMs = o.SessionTimeoutMs,
            // Only what the loop reads is marshalled from librdkafka: key, value, topic, partition, offset.
            ConsumeResultFields = "topic",
            // A loop that parks partitions reports lag itself: librdkafka's statistics keep a timer per partition and ask
            // the broker for the offsets of every partition not fetched, which with thousands of parked partitions is
            // most of what the process does at rest.
            StatisticsIntervalMs = callbacks.ParkIdle ? 0 : o.StatisticsIntervalMs,
            PartitionAssignmentStrategy = o.Assignor switch
            {
                "range" => PartitionAssignmentStrategy.Range,
                "roundrobin" => PartitionAssignmentStrategy.RoundRobin,
                _ => PartitionAssignmentStrategy.CooperativeSticky,
            },
        };
        if (callbacks.ParkIdle)
        {
            config.EnablePartitionEof = true;
            // Each auto-commit walks every assigned partition, changed or not; a crash replays at most this much more.
            config.AutoCommitIntervalMs = ParkedAutoCommitMs;
            // What is fetched is only what was just written (RoleConsumerService.Park): a fetch that finds nothing new
            // holds the broker connection for this long before a resumed partition can join the next one.
            if (!o.Librdkafka.ContainsKey("fetch.wait.max.ms"))
            {
                config.FetchWaitMaxMs = ParkedFetchWaitMs;
            }
        }

        // The partitions held, as the consumer's own callbacks tell them: the statistics handler must not call into the
        // client. librdkafka also reports statistics from inside Close(), where asking it for the assignment deadlocked
        // the close or made it fail (ConsumerCloseTests).
        var held = new HeldPartitions();
        return new ConsumerBuilder<string, byte[]>(config)
            .SetLogHandler((_, m) => Log(m))
            .SetErrorHandler((_, e) => LogClientError(logger, clientId, e.Code, e.Reason, e.IsFatal))
            .SetStatisticsHandler((_, json) => ReportLag(groupId, json, held.Current, callbacks.NodesOf))
            .SetPartitionsAssignedHandler((consumer, partitions) =>
            {
                held.Add(partitions);
                if (logger.IsEnabled(LogLevel.Information))
                {
                    var names = string.Join(", ", partitions);
                    LogAssigned(logger, groupId, names);
                }

                var starts = StartOffsets(consumer, partitions);
                callbacks.Assigned?.Invoke(starts);
                return starts;
            })
            .SetPartitionsRevokedHandler((consumer, partitions) =>
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    var names = string.Join(", ", partitions.Select(static p => p.TopicPartition));
                    LogRevoked(logger, groupId, names);
                }

                held.Remove(partitions.Select(static p => p.TopicPartition));
                ConsumerLag.Forget(groupId, partitions.Select(static p => p.TopicPartition));
                callbacks.Revoked?.Invoke([.. partitions.Select(static p => p.TopicPartition)]);
            })
            .SetPartitionsLostHandler((_, partitions) =>
            {
                if (logger.IsEnabled(LogLevel.Warning))
                {
                    var names = string.Join(", ", partitions.Select(static p => p.TopicPartition));
                    LogLost(logger, groupId, names);
                }

                held.Remove(partitions.Select(static p => p.TopicPartition));
                ConsumerLag.Forget(groupId, partitions.Select(static p => p.TopicPartition));
                callbacks.Revoked?.Invoke([.. partitions.Select(static p => p.TopicPartition)]);
            })
            .Build();
    }

    public IAdminClient CreateAdminClient(string clientId) =>
        new AdminClientBuilder(Base(options.Value, clientId))
            .SetLogHandler((_, m) => Log(m))
            .SetErrorHandler((_, e) => LogClientError(logger, clientId, e.Code, e.Reason, e.IsFatal))
            .Build();

    /// <summary>
    /// Where each assigned partition starts: its committed offset, or the beginning when the group has none yet.
    /// Together with <c>auto.offset.reset=error</c> this makes a vanished committed offset loud.
    /// </summary>
    private static List<TopicPartitionOffset> StartOffsets(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return [];
        }

        var committed = consumer.Committed(partitions, CommittedTimeout);
        return [.. committed.Select(static c => c.Offset == Offset.Unset ? new TopicPartitionOffset(c.TopicPartition, Offset.Beginning) : c)];
    }

    private static ClientConfig Base(KafkaOptions o, string clientId)
    {
        var config = new ClientConfig(o.Librdkafka.ToDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal))
        {
            BootstrapServers = o.BootstrapServers,
            ClientId = clientId,
        };
        return config;
    }

    private void ReportLag(string groupId, string statistics, IReadOnlyCollection<TopicPartition> assigned, Func<string, IReadOnlyList<string>>? nodesOf)
    {
        try
        {
            ConsumerLag.Report(groupId, statistics, assigned, nodesOf);
        }
        catch (JsonException ex)
        {
            LogStatisticsUnreadable(logger, ex, groupId);
        }
    }

    private void Log(LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogLibrdkafka(logger, level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(EventId = 100, Message = "librdkafka {Client} [{Facility}]: {Text}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string client, string facility, string text);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Kafka client {Client} error {Code}: {Reason} (fatal: {Fatal})")]
    private static partial void LogClientError(ILogger logger, string client, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Group {Group}: librdkafka statistics could not be read")]
    private static partial void LogStatisticsUnreadable(ILogger logger, Exception exception, string group);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Group {Group} assigned {Partitions}")]
    private static partial void LogAssigned(ILogger logger, string group, string partitions);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Group {Group} revoked {Partitions}")]
    private static partial void LogRevoked(ILogger logger, string group, string partitions);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Group {Group} lost {Partitions}")]
    private static partial void LogLost(ILogger logger, string group, string partitions);

    /// <summary>A consumer's partitions, kept from its assign and revoke callbacks; read from any thread.</summary>
    private sealed class HeldPartitions
    {
        private readonly Lock _gate = new();
        private TopicPartition[] _current = [];

        public IReadOnlyCollection<TopicPartition> Current => Volatile.Read(ref _current);

        public void Add(IEnumerable<TopicPartition> partitions)
        {
            lock (_gate)
            {
                Volatile.Write(ref _current, [.. _current.Union(partitions)]);
            }
        }

        public void Remove(IEnumerable<TopicPartition> partitions)
        {
            lock (_gate)
            {
                Volatile.Write(ref _current, [.. _current.Except(partitions)]);
            }
        }
    }
}
