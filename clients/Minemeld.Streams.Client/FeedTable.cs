using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Messages;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.State;

namespace Minemeld.Streams.Client;

/// <summary>
/// One feed kept current in this process: a Streamiz application whose only work is the feed's global table, with
/// look-ups by indicator. Start it, wait for <see cref="WaitUntilRunningAsync"/>, then read; it follows the topic until
/// disposed.
/// <code>
/// await using var feed = await FeedTable.StartAsync("kafka:9092", FeedTopics.Table("customer-a", "customerAFeed"));
/// if (feed.TryGet("203.0.113.7-203.0.113.7", out var hit)) { ... hit.Value["sources"] ... }
/// </code>
/// </summary>
public sealed class FeedTable : IAsyncDisposable
{
    private const string StoreName = "feed";
    private readonly KafkaStream _stream;
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FeedTable(KafkaStream stream, string topic)
    {
        _stream = stream;
        Topic = topic;
        _stream.StateChanged += (_, now) =>
        {
            if (now == KafkaStream.State.RUNNING)
            {
                _running.TrySetResult();
            }
            else if (now == KafkaStream.State.ERROR)
            {
                _running.TrySetException(new InvalidOperationException($"the Streamiz application reading {topic} stopped with an error"));
            }
        };
    }

    public string Topic { get; }

    /// <summary>
    /// Starts reading <paramref name="topic"/> from its start; Streamiz logs to <paramref name="loggers"/> (nowhere by
    /// default), and <paramref name="configure"/> may set anything else of the application.
    /// </summary>
    public static async Task<FeedTable> StartAsync(string bootstrapServers, string topic, ILoggerFactory? loggers = null, Action<StreamConfig>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        var builder = new StreamBuilder();
        builder.GlobalFeedTable(topic, StoreName);
        var config = new StreamConfig(new Dictionary<string, object>(), loggers ?? NullLoggerFactory.Instance)
        {
            ApplicationId = $"minemeld-feed-table-{Guid.NewGuid():N}",
            BootstrapServers = bootstrapServers,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
        };
        configure?.Invoke(config);
        var table = new FeedTable(new KafkaStream(builder.Build(), config), topic);
        await table._stream.StartAsync(cancellationToken).ConfigureAwait(false);
        return table;
    }

    /// <summary>Completes once the table has read what the topic held at start-up and follows it.</summary>
    public Task WaitUntilRunningAsync(CancellationToken cancellationToken = default) => _running.Task.WaitAsync(cancellationToken);

    /// <summary>The indicator's current message, when the feed holds it.</summary>
    public bool TryGet(string indicator, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IndicatorMessage? message)
    {
        message = Store().Get(indicator);
        return message is not null;
    }

    /// <summary>Every indicator the table holds now, with its message.</summary>
    public IReadOnlyDictionary<string, IndicatorMessage> Snapshot()
    {
        var all = new Dictionary<string, IndicatorMessage>(StringComparer.Ordinal);
        foreach (var entry in Store().All())
        {
            if (entry.Value is { } value)
            {
                all[entry.Key] = value;
            }
        }

        return all;
    }

    private IReadOnlyKeyValueStore<string, IndicatorMessage?> Store() =>
        _stream.Store(StoreQueryParameters.FromNameAndType(StoreName, QueryableStoreTypes.KeyValueStore<string, IndicatorMessage?>()));

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
