using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Syslog;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Logstash;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Syslog;

/// <summary>
/// The matching side of a syslog matcher: reads the graph's syslog topic (a consumer group of the node's own, so
/// replicas share the messages) and looks each message's <c>src_ip</c>, <c>dest_ip</c> and <c>url</c> host up in the
/// node's table (<see cref="SyslogMatcherHandler"/>, loaded again when its stamp moves). A match is a sighting,
/// published as an update of the address or domain seen, with the matched indicator's value and
/// <c>syslog_original_indicator</c> (type and indicator, as MineMeld wrote it); counted per source
/// (<c>source.&lt;name&gt;</c>) and in <c>total_matches</c>; with <c>logstash_host</c>, also sent to Logstash with the
/// message as <c>session</c>. When an indicator leaves the table, the sightings it caused are withdrawn. Offsets are
/// stored once a batch's sightings are acknowledged: a crash matches those messages again.
/// </summary>
public sealed partial class SyslogMatcherService : BackgroundService, INodeStatistics
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(30);
    private readonly GraphNode _node;
    private readonly string _graph;
    private readonly string _topic;
    private readonly string _group;
    private readonly IKafkaClientFactory _kafka;
    private readonly IStateStore _store;
    private readonly IRecordStore _rows;
    private readonly IRecordStore _sightings;
    private readonly NodeOutput _output;
    private readonly LogstashSender? _logstash;
    private readonly ILogger _logger;
    private volatile bool _stale = true;
    private string? _stamp;
    private long _refreshedAt;
    private MatchIndex _index = MatchIndex.Empty;
    private Dictionary<string, ReadOnlyMemory<byte>> _values = new(StringComparer.Ordinal);

    public SyslogMatcherService(GraphNode node, string graph, TopicNames names, IKafkaClientFactory kafka, MessagePublisher publisher, IStateStore store, TimeProvider time, ILogger<SyslogMatcherService> logger)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(store);
        (_node, _graph, _kafka, _store, _logger) = (node, graph, kafka, store, logger);
        _topic = names.Syslog(SyslogSettings.Exchange(node.Config));
        _group = $"{names.Group(node.Name)}.syslog";
        _rows = store.AggregatorRows(graph, node.Name);
        _sightings = store.AggregatorRows(graph, node.Name, "sightings");
        _output = new NodeOutput(node.Name, node.Output ? names.Edge(node.Name) : null, FilterSet.FromConfig(node.Config["outfilters"], static (_, _) => { }), publisher, time);
        _logstash = LogstashSender.FromConfig(node.Config, time);
    }

    public string Node => _node.Name;

    public NodeCounters Counters { get; } = new();

    public long? Length => _index.Count;

    /// <summary>Messages looked at so far (for tests).</summary>
    public long Processed => Counters["syslog.processed"] + Counters["error.syslog"];

    public override void Dispose()
    {
        _logstash?.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var subscription = await _store.Hup.SubscribeAsync(_graph, _node.Name, () => _stale = true, stoppingToken).ConfigureAwait(false);
        var backoff = TimeSpan.FromMilliseconds(200);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ConsumeAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is KafkaException or ProduceFailedException or IOException or TimeoutException || StateStoreFaults.IsFault(ex))
                {
                    Counters.Add("error.restart");
                    LogRestart(_logger, ex, _node.Name, backoff.TotalMilliseconds);
                    await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, backoff.Ticks * 2));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        using var consumer = _kafka.CreateConsumer(_group, $"{_group}-{Environment.ProcessId}", new ConsumerCallbacks());
        consumer.Subscribe(_topic);
        try
        {
            var batch = new List<ConsumeResult<string, byte[]>>(500);
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
                batch.Clear();
                var first = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (first is null)
                {
                    continue;
                }

                batch.Add(first);
                while (batch.Count < 500 && consumer.Consume(TimeSpan.Zero) is { } more)
                {
                    batch.Add(more);
                }

                await MatchAsync(batch, stoppingToken).ConfigureAwait(false);
                foreach (var last in batch.GroupBy(static r => r.TopicPartition).Select(static g => g.Last()))
                {
                    consumer.StoreOffset(last);
                }
            }
        }
        finally
        {
            consumer.Close();
        }
    }

    private async Task MatchAsync(List<ConsumeResult<string, byte[]>> batch, CancellationToken cancellationToken)
    {
        var emissions = new List<Emission>();
        var sightings = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var events = new List<JsonObject>();
        foreach (var result in batch)
        {
            if (SyslogFields.Parse(result.Message.Value, out _) is not { } message)
            {
                Counters.Add("error.syslog");
                continue;
            }

            Counters.Add("syslog.processed");
            foreach (var field in new[] { "src_ip", "dest_ip" })
            {
                if (JsonNodeValues.TryGetString(message[field], out var address) && _index.MatchAddress(address) is { } key)
                {
                    Sighting(address, key, "matched " + key[..key.IndexOf('\0', StringComparison.Ordinal)], message, emissions, sightings, events);
                }
            }

            if (JsonNodeValues.TryGetString(message["url"], out var url) && _index.MatchUrl(url) is { } domain)
            {
                Sighting(domain.Host, domain.Key, "matched domain", message, emissions, sightings, events);
            }
        }

        if (emissions.Count == 0)
        {
            return;
        }

        await _output.PublishAsync(emissions, Counters, cancellationToken).ConfigureAwait(false);
        await _sightings.WriteAsync(sightings, [], cancellationToken).ConfigureAwait(false);
        if (_logstash is not null)
        {
            await _logstash.SendAsync(events, cancellationToken).ConfigureAwait(false);
            Counters.Add("logstash.sent", events.Count);
        }
    }

    private void Sighting(string seen, string key, string what, JsonObject message, List<Emission> emissions, Dictionary<string, ReadOnlyMemory<byte>> sightings, List<JsonObject> events)
    {
        if (!_values.TryGetValue(key, out var stored) || JsonNode.Parse(stored.Span) is not JsonObject value)
        {
            return;
        }

        foreach (var source in value["sources"] as JsonArray ?? [])
        {
            Counters.Add($"source.{source}");
        }

        Counters.Add("total_matches");
        var separator = key.IndexOf('\0', StringComparison.Ordinal);
        value["syslog_original_indicator"] = string.Concat(key.AsSpan(0, separator), key.AsSpan(separator + 1));
        emissions.Add(new Emission(MessageOp.Update, seen, value));
        sightings[seen] = Encoding.UTF8.GetBytes(key);
        if (_logstash is not null)
        {
            var line = _logstash.Event(new JsonObject
            {
                ["syslog_node"] = _node.Name,
                ["message"] = what,
                ["indicator"] = key[(separator + 1)..],
                ["indicator_value"] = _logstash.Event(value),
                ["session"] = message.DeepClone(),
            });
            ((JsonObject)line["indicator_value"]!).Remove("@timestamp");
            ((JsonObject)line["indicator_value"]!).Remove("@version");
            events.Add(line);
        }
    }

    /// <summary>
    /// Loads the table again when its stamp moved (or at least every half minute), and withdraws orphaned sightings.
    /// </summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (!_stale && now - _refreshedAt < RefreshEvery.TotalMilliseconds)
        {
            return;
        }

        _stale = false;
        _refreshedAt = now;
        var stamp = RecordText.Of((await _store.ListStamps(_graph).GetAsync([_node.Name], cancellationToken).ConfigureAwait(false))[0]);
        if (stamp == _stamp && _stamp is not null)
        {
            return;
        }

        var rows = await _rows.GetAllAsync(cancellationToken).ConfigureAwait(false);
        _values = rows.ToDictionary(static r => r.Key, static r => r.Value, StringComparer.Ordinal);
        _index = MatchIndex.Build(rows.Select(static r =>
        {
            var separator = r.Key.IndexOf('\0', StringComparison.Ordinal);
            return (r.Key[..separator], r.Key[(separator + 1)..], r.Key);
        }));
        _stamp = stamp;

        // Sightings of indicators that left the table are withdrawn (by whichever replica sees it first).
        var orphans = (await _sightings.GetAllAsync(cancellationToken).ConfigureAwait(false)).Where(s => !_values.ContainsKey(RecordText.Of(s.Value))).ToList();
        if (orphans.Count > 0)
        {
            await _output.PublishAsync([.. orphans.Select(static o => new Emission(MessageOp.Withdraw, o.Key, null))], Counters, cancellationToken).ConfigureAwait(false);
            await _sightings.DeleteIfUnchangedAsync(orphans, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Syslog matcher {Node}: loop failed, restarting in {DelayMs} ms")]
    private static partial void LogRestart(ILogger logger, Exception exception, string node, double delayMs);
}
