using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Processors;

/// <summary>
/// The aggregation behind an exact-match aggregator's <see cref="InputRouter"/> (MineMeld's AggregateFT): handles the
/// messages of the repartition partitions its consumer owns, keyed by indicator; an indicator's rows (input → value)
/// are loaded from the state store on first use and cached while the partition is owned. Per batch: emissions are
/// handed to the producer; the batch's completion waits for their acknowledgements, then writes the changed rows.
/// </summary>
public sealed class ExactAggregatorHandler(
    string graph,
    string node,
    string? outputTopic,
    AggregatorSettings settings,
    IStateStore store,
    MessagePublisher publisher,
    TimeProvider time) : IBatchHandler, INodeStatistics
{
    private readonly NodeOutput _output = new(node, outputTopic, settings.Outfilters, publisher, time);

    private readonly ExactAggregator _aggregator = new(settings.Whitelist, settings.IgnoreCase);
    private readonly PartitionedState<SortedDictionary<string, JsonObject>> _cache = new();
    private readonly Lock _gate = new();
    private readonly IRecordStore _rows = store.AggregatorRows(graph, node);

    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public AggregatorCounters Aggregation { get; } = new();

    public async Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await LoadAsync([.. batch.Select(m => _aggregator.Key(m.Message.Indicator)).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var emissions = new List<Emission>();
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        List<KeyValuePair<string, ReadOnlyMemory<byte>>> sets;
        List<string> deletes;
        lock (_gate)
        {
            foreach (var input in batch)
            {
                if (InputFilter.Apply(settings.Infilters, input, Counters) is not { } applied)
                {
                    continue;
                }

                var key = _aggregator.Key(input.Message.Indicator);
                var rows = _cache[key];
                _cache.Seen(key, input.Partition);
                emissions.AddRange(applied.Op == MessageOp.Update
                    ? _aggregator.Update(rows, input.Message.Origin, key, applied.Value.ToTree()!, Aggregation)
                    : _aggregator.Withdraw(rows, input.Message.Origin, key, applied.Value.ToTree(), Aggregation));
                dirty.Add(key);
            }

            // Serialized now: the next batch changes these rows while this one is made durable.
            sets = [.. dirty.Where(k => _cache[k].Count > 0).Select(k => KeyValuePair.Create(k, Serialize(_cache[k])))];
            deletes = [.. dirty.Where(k => _cache[k].Count == 0)];
        }

        // Publishing before persisting: a crash in between replays from the old rows and publishes the same again.
        var acknowledged = _output.PublishAsync(emissions, Counters, cancellationToken);
        return async () =>
        {
            await acknowledged.ConfigureAwait(false);
            if (sets.Count + deletes.Count > 0)
            {
                await _rows.WriteAsync(sets, deletes, cancellationToken).ConfigureAwait(false);
            }
        };
    }

    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        lock (_gate)
        {
            _cache.Revoke(partitions);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _cache.Clear();
        }
    }

    private async Task LoadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        List<string> missing;
        lock (_gate)
        {
            missing = [.. keys.Where(k => !_cache.ContainsKey(k))];
        }

        if (missing.Count == 0)
        {
            return;
        }

        var values = await _rows.GetAsync(missing, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            for (var i = 0; i < missing.Count; i++)
            {
                var rows = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                if (values[i] is { } utf8 && JsonObjectReader.ParseObject(utf8) is { } stored)
                {
                    foreach (var (input, value) in stored)
                    {
                        if (value is JsonObject row)
                        {
                            rows[input] = row;
                        }
                    }
                }

                _cache.TryAdd(missing[i], rows);
            }
        }
    }

    private static ReadOnlyMemory<byte> Serialize(SortedDictionary<string, JsonObject> rows)
    {
        var obj = new JsonObject();
        foreach (var (input, value) in rows)
        {
            obj[input] = value.DeepClone();
        }

        return JsonText.ToUtf8Bytes(obj);
    }
}
