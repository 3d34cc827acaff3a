using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Core.Syslog;
using Minemeld.Streams.Core.Yaml;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Syslog;

/// <summary>
/// MineMeld's <c>syslog.SyslogMiner</c>: indicators from the graph's syslog messages (<see cref="SyslogFields"/>), by
/// rules. Each poll reads the syslog topic from where the last saved poll stopped (a new miner from the messages that
/// arrive after its first poll) up to its end then, and applies every rule of <c>&lt;node&gt;_rules.yml</c> beside the
/// graph (or the file <c>rules</c> names; read again at every poll): a rule whose <c>conditions</c> (filter conditions
/// over the message's fields) all hold takes each of its <c>indicators</c> fields (typed by <c>indicator_mapping</c>:
/// <c>src_ip</c> and <c>dest_ip</c> IP, <c>misc</c> URL by default) with its <c>fields</c> as
/// <c>&lt;prefix&gt;_&lt;field&gt;</c> (<c>panossyslog</c>) and the devices that logged it
/// (<c>&lt;prefix&gt;_devices</c>, serial numbers of this poll's messages). Sightings age out an hour after they were
/// last seen unless the config says otherwise; nothing dies suddenly (a poll holds only what was logged since the
/// last).
/// </summary>
public sealed class SyslogMinerSource : IDisposable
{
    /// <summary>Messages one poll reads at most (the rest wait for the next poll).</summary>
    public const int MaxMessages = 200_000;

    private readonly GraphNode _node;
    private readonly string _topic;
    private readonly IKafkaClientFactory _kafka;
    private readonly ISourceCursor _cursor;
    private readonly string _rulesPath;
    private readonly string _prefix;
    private readonly Dictionary<string, string> _mapping = new(StringComparer.Ordinal) { ["src_ip"] = "IP", ["dest_ip"] = "IP", ["misc"] = "URL" };
    private IConsumer<string, byte[]>? _consumer;

    public SyslogMinerSource(GraphNode node, string topic, IKafkaClientFactory kafka, ISourceCursor cursor, string? graphDirectory)
    {
        ArgumentNullException.ThrowIfNull(node);
        (_node, _topic, _kafka, _cursor) = (node, topic, kafka, cursor);
        var directory = graphDirectory ?? Directory.GetCurrentDirectory();
        _rulesPath = JsonNodeValues.TryGetString(node.Config["rules"], out var rules) ? Path.GetFullPath(rules, directory) : Path.Combine(directory, $"{node.Name}_rules.yml");
        _prefix = JsonNodeValues.TryGetString(node.Config["prefix"], out var prefix) ? prefix : "panossyslog";
        if (node.Config["indicator_mapping"] is JsonObject mapping)
        {
            _mapping.Clear();
            foreach (var (field, type) in mapping)
            {
                _mapping[field] = type?.ToString() ?? "IP";
            }
        }
    }

    public string Source => $"{_topic} with the rules of {_rulesPath}";

    public void Dispose()
    {
        _consumer?.Close();
        _consumer?.Dispose();
    }

    public Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rules = LoadRules();
        _consumer ??= _kafka.CreateConsumer($"{_topic}.{_node.Name}.miner", $"{_node.Name}-syslog-{Environment.ProcessId}", new ConsumerCallbacks());
        var saved = ParseCursor(_cursor.Current);
        var partitions = Partitions();
        var ends = new Dictionary<int, long>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            var end = _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, partition), TimeSpan.FromSeconds(10)).High.Value;
            ends[partition] = end;
            // A partition the saved cursor does not know starts at its end: a new miner reads what arrives from now on.
            var from = saved.TryGetValue(partition, out var offset) ? Math.Min(offset, end) : end;
            assignment.Add(new TopicPartitionOffset(_topic, partition, from));
        }

        var positions = assignment.ToDictionary(static a => a.Partition.Value, static a => a.Offset.Value);
        var sightings = new Dictionary<(string Indicator, string Type), (JsonObject Value, SortedSet<string> Devices)>();
        var read = 0;
        if (assignment.Any(a => a.Offset.Value < ends[a.Partition.Value]))
        {
            _consumer.Assign(assignment);
            while (read < MaxMessages && positions.Any(p => p.Value < ends[p.Key]))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = _consumer.Consume(TimeSpan.FromSeconds(5));
                if (result is null)
                {
                    break; // the broker has nothing more after all: go on from here next time
                }

                positions[result.Partition.Value] = result.Offset.Value + 1;
                read++;
                if (SyslogFields.Parse(result.Message.Value, out var error) is not { } message)
                {
                    report.Warning(0, $"{_topic} [{result.Partition.Value}] @{result.Offset.Value}: {error}");
                    continue;
                }

                Apply(rules, message, sightings, report);
            }

            _consumer.Unassign();
        }

        foreach (var partition in partitions.Where(p => !saved.ContainsKey(p) || positions[p] != saved[p]))
        {
            saved[partition] = positions[partition];
        }

        _cursor.Advance(string.Join(',', saved.OrderBy(static p => p.Key).Select(static p => $"{p.Key}:{p.Value}")));
        var items = new List<FeedItem>(sightings.Count);
        foreach (var ((indicator, _), (value, devices)) in sightings)
        {
            value[$"{_prefix}_devices"] = new JsonArray([.. devices.Select(static d => (JsonNode)d)]);
            if (IndicatorCheck.Normalize(indicator, value, _node.Config["attributes"] as JsonObject ?? [], 0, report) is { } normalized)
            {
                report.Item();
                items.Add(new FeedItem(normalized, value));
            }
        }

        return Task.FromResult<IReadOnlyList<FeedItem>>(items);
    }

    private void Apply(List<Rule> rules, JsonObject message, Dictionary<(string Indicator, string Type), (JsonObject Value, SortedSet<string> Devices)> sightings, FeedParseReport report)
    {
        var context = new FilterContext(message, string.Empty, "update", "syslog");
        foreach (var rule in rules)
        {
            if (!rule.Conditions.All(c => c.Evaluate(context)))
            {
                continue;
            }

            foreach (var field in rule.Indicators)
            {
                if (!JsonNodeValues.TryGetString(message[field], out var indicator) || indicator.Length == 0 || !_mapping.TryGetValue(field, out var mapped))
                {
                    continue;
                }

                var type = mapped == "IP"
                    ? IPAddress.TryParse(indicator, out var address) ? address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IndicatorTypes.IPv6 : IndicatorTypes.IPv4 : null
                    : mapped;
                if (type is null)
                {
                    report.Error(0, $"rule {rule.Name}: {field} '{IndicatorCheck.Truncate(indicator)}' is not an IP address");
                    continue;
                }

                var key = (indicator, type);
                if (!sightings.TryGetValue(key, out var held))
                {
                    sightings[key] = held = (new JsonObject { [IndicatorValue.Type] = type }, new SortedSet<string>(StringComparer.Ordinal));
                }

                foreach (var extra in rule.Fields)
                {
                    if (message[extra] is { } value)
                    {
                        held.Value[$"{_prefix}_{extra}"] = value.DeepClone();
                    }
                }

                held.Devices.Add(JsonNodeValues.TryGetString(message["serial_number"], out var device) ? device : "unknown");
            }
        }
    }

    /// <summary>The rules file, read at every poll: a list of {name, conditions, indicators, fields}.</summary>
    private List<Rule> LoadRules()
    {
        if (!File.Exists(_rulesPath))
        {
            throw new FeedFetchException($"no rules at {_rulesPath}: a list of rules (name, conditions, indicators, fields) says what to take from the syslog messages");
        }

        JsonNode? root;
        try
        {
            (root, _) = YamlDocument.Parse(File.ReadAllText(_rulesPath), _rulesPath);
        }
        catch (YamlLoadException ex)
        {
            throw new FeedFetchException($"{_rulesPath}: {ex.Message}", ex);
        }

        var rules = new List<Rule>();
        var index = 0;
        foreach (var item in root as JsonArray ?? throw new FeedFetchException($"{_rulesPath}: the rules are a YAML list"))
        {
            index++;
            var name = JsonNodeValues.TryGetString(item?["name"], out var n) ? n : throw new FeedFetchException($"{_rulesPath}: rule {index} has no name");
            var conditions = new List<Condition>();
            foreach (var text in item?["conditions"] as JsonArray ?? [])
            {
                try
                {
                    conditions.Add(Condition.Parse(text?.ToString() ?? string.Empty));
                }
                catch (ConditionSyntaxException ex)
                {
                    throw new FeedFetchException($"{_rulesPath}: rule {name}: {ex.Message}", ex);
                }
            }

            var indicators = (item?["indicators"] as JsonArray ?? []).Select(static i => i?.ToString() ?? string.Empty).Where(_mapping.ContainsKey).ToList();
            if (conditions.Count == 0 || indicators.Count == 0)
            {
                throw new FeedFetchException($"{_rulesPath}: rule {name} needs conditions and indicators among {string.Join(", ", _mapping.Keys)}");
            }

            rules.Add(new Rule(name, conditions, indicators, [.. (item?["fields"] as JsonArray ?? []).Select(static f => f?.ToString() ?? string.Empty)]));
        }

        return rules;
    }

    private List<int> Partitions()
    {
        using var admin = _kafka.CreateAdminClient($"{_node.Name}-syslog-metadata");
        var metadata = admin.GetMetadata(_topic, TimeSpan.FromSeconds(10));
        var topic = metadata.Topics.FirstOrDefault(t => t.Topic == _topic);
        return topic is null || topic.Error.IsError || topic.Partitions.Count == 0
            ? throw new FeedFetchException($"syslog topic {_topic} is not on the broker ({topic?.Error.Reason ?? "no metadata"})")
            : [.. topic.Partitions.Select(static p => p.PartitionId).Order()];
    }

    private static Dictionary<int, long> ParseCursor(string? cursor)
    {
        var offsets = new Dictionary<int, long>();
        foreach (var pair in (cursor ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(pair[..colon], CultureInfo.InvariantCulture, out var partition) && long.TryParse(pair[(colon + 1)..], CultureInfo.InvariantCulture, out var offset))
            {
                offsets[partition] = offset;
            }
        }

        return offsets;
    }

    private sealed record Rule(string Name, List<Condition> Conditions, List<string> Indicators, List<string> Fields);
}
