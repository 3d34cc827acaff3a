using System.Globalization;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Syslog;

/// <summary>
/// The consumed side of a syslog matcher (MineMeld's <c>syslog.SyslogMatcher</c>): the IPv4, IPv6 and domain
/// indicators its inputs send become the table its matchers look syslog messages up in
/// (<c>mm:&lt;graph&gt;:&lt;node&gt;:rows</c>, <c>type NUL indicator</c> → the value), written in batch order; every
/// batch that changed it moves the node's stamp and wakes the matchers (<see cref="SyslogMatcherService"/>), which
/// load it again. As in MineMeld, each input keeps the type it first sent (<c>input_types</c> can fix it): an update
/// of another type from it is ignored and counted.
/// </summary>
public sealed class SyslogMatcherHandler(string graph, string node, JsonObject config, IStateStore store) : IBatchHandler, INodeStatistics
{
    private readonly IRecordStore _rows = store.AggregatorRows(graph, node);
    private readonly FilterSet _infilters = FilterSet.FromConfig(config["infilters"], static (_, _) => { });
    private readonly Dictionary<string, string> _inputTypes = (config["input_types"] as JsonObject ?? [])
        .ToDictionary(static p => p.Key, static p => p.Value?.ToString() ?? string.Empty, StringComparer.Ordinal);

    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sets = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var deletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in batch)
        {
            if (InputFilter.Apply(_infilters, input, Counters) is not { } received)
            {
                continue;
            }

            var origin = input.Message.Origin;
            var value = received.Value.ToTree();
            var type = input.Message.Type ?? (JsonNodeValues.TryGetString(value?[IndicatorValue.Type], out var t) ? t : null);
            if (received.Op == MessageOp.Update)
            {
                if (type is not (IndicatorTypes.IPv4 or IndicatorTypes.IPv6 or IndicatorTypes.Domain))
                {
                    Counters.Add("ignored");
                    continue;
                }

                if (!_inputTypes.TryAdd(origin, type) && _inputTypes[origin] != type)
                {
                    Counters.Add("ignored"); // MineMeld's rule: an input keeps the type it first sent
                    continue;
                }

                var key = Key(type, input.Message.Indicator);
                deletes.Remove(key);
                sets[key] = value is null ? "{}"u8.ToArray() : JsonText.ToUtf8Bytes(IndicatorValue.StrippedOnReceive(value));
            }
            else if ((type ?? _inputTypes.GetValueOrDefault(origin)) is { } withdrawn)
            {
                var key = Key(withdrawn, input.Message.Indicator);
                sets.Remove(key);
                deletes.Add(key);
            }
        }

        return Task.FromResult<BatchCompletion>(async () =>
        {
            if (sets.Count == 0 && deletes.Count == 0)
            {
                return;
            }

            var removed = deletes.Count == 0 ? 0 : await _rows.DeleteAsync(deletes, cancellationToken).ConfigureAwait(false);
            await _rows.WriteAsync(sets, [], cancellationToken).ConfigureAwait(false);
            Counters.Add("added", sets.Count);
            Counters.Add("removed", removed);
            await store.ListStamps(graph).WriteAsync([RecordText.Entry(Node, Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture))], [], cancellationToken).ConfigureAwait(false);
            await store.Hup.PublishAsync(graph, Node, cancellationToken).ConfigureAwait(false);
        });
    }

    /// <summary>The row of an indicator: its type and text, so that an address and a domain never collide.</summary>
    public static string Key(string type, string indicator) => $"{type}\0{indicator}";

    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void Reset()
    {
    }
}
