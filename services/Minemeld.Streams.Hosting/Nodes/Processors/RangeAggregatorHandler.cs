using System.Numerics;
using Confluent.Kafka;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Processors;

/// <summary>
/// The aggregation behind a range aggregator's <see cref="InputRouter"/>: handles the messages of the repartition
/// partitions its consumer owns (keyed by address block: read from the repartition topic, or read from an input and
/// applied here directly), keeps one <see cref="RangeAggregator{T,TFamily}"/> per block it owns (loaded from the state
/// store on first use, dropped when the partition is revoked), and per batch: computes the emissions and hands them to
/// the producer; its completion waits for the acks, then writes the changed rows to the state store. Publishing before
/// persisting makes a replay after a crash start from the old rows and publish the very same messages again.
/// </summary>
public sealed class RangeAggregatorHandler<T, TFamily>(
    string graph,
    string node,
    string? outputTopic,
    AggregatorSettings settings,
    Func<string, IPRange<T>> blockRange,
    IStateStore store,
    MessagePublisher publisher,
    TimeProvider time) : IBatchHandler, INodeStatistics
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    where TFamily : IAddressFamily<T>
{
    private readonly NodeOutput _output = new(node, outputTopic, settings.Outfilters, publisher, time);

    private readonly PartitionedState<RangeAggregator<T, TFamily>> _blocks = new();
    private readonly Lock _gate = new();

    // A batch's emissions and changed rows, emptied and refilled by every batch (batches are applied one at a time:
    // the emissions are handed to the producer and the rows serialized before ApplyAsync returns).
    private readonly List<Emission> _emissions = [];
    private readonly Dictionary<(string Block, string Field), ReadOnlyMemory<byte>?> _dirty = [];

    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public AggregatorCounters Aggregation { get; } = new();

    /// <summary>Rows held in memory across owned blocks (MineMeld's length for the ipop aggregator).</summary>
    public int Length
    {
        get
        {
            lock (_gate)
            {
                return _blocks.Values.Sum(static b => b.RowCount);
            }
        }
    }

    public async Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await LoadBlocksAsync(batch, cancellationToken).ConfigureAwait(false);
        var (emissions, dirty) = (_emissions, _dirty);
        emissions.Clear(); // a batch that failed half-way left its part behind
        dirty.Clear();
        List<RowWrites> writes;
        lock (_gate)
        {
            foreach (var input in batch)
            {
                if (input.Key is null || !_blocks.TryGetValue(input.Key, out var block))
                {
                    Counters.Add("error.parsing");
                    continue;
                }

                _blocks.Seen(input.Key, input.Partition);
                if (InputFilter.Apply(settings.Infilters, input, Counters) is not { } applied)
                {
                    continue;
                }

                var origin = input.Message.Origin;
                var indicator = input.Message.Indicator;
                var result = applied.Op == MessageOp.Update
                    ? block.Update(origin, indicator, applied.Value, Aggregation)
                    : block.Withdraw(origin, indicator, applied.Value, Aggregation);
                emissions.AddRange(result);
                dirty[(input.Key, Field(origin, indicator))] = block.StoredRow(origin, indicator);
            }

            // Serialized now: the next batch changes these rows while this one is made durable.
            writes = RowWrites.Of(dirty);
        }

        // Publishing before persisting: a crash in between replays from the old rows and publishes the same again.
        Task acknowledged;
        try
        {
            acknowledged = _output.PublishAsync(emissions, Counters, cancellationToken);
        }
        finally
        {
            emissions.Clear();
            dirty.Clear();
        }

        return async () =>
        {
            await acknowledged.ConfigureAwait(false);
            await Task.WhenAll(writes.Select(w => store.AggregatorRows(graph, Node, w.Block).WriteAsync(w.Sets, w.Deletes, cancellationToken))).ConfigureAwait(false);
        };
    }

    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        lock (_gate)
        {
            _blocks.Revoke(partitions);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _blocks.Clear();
        }
    }

    private static string Field(string input, string indicator) => $"{input}\0{indicator}";

    private async Task LoadBlocksAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        List<string> missing;
        lock (_gate)
        {
            missing = [.. batch.Select(static m => m.Key).OfType<string>().Distinct(StringComparer.Ordinal).Where(k => !_blocks.ContainsKey(k) && IsBlock(k))];
        }

        if (missing.Count == 0)
        {
            return;
        }

        var loads = missing.Select(key => (Key: key, Rows: store.AggregatorRows(graph, Node, key).GetAllAsync(cancellationToken))).ToList();
        foreach (var (key, rows) in loads)
        {
            var aggregator = new RangeAggregator<T, TFamily>(settings.Whitelist, settings.IndicatorType, settings.MergeLists, blockRange(key));
            foreach (var entry in await rows.ConfigureAwait(false))
            {
                var field = entry.Key;
                var separator = field.IndexOf('\0', StringComparison.Ordinal);
                if (separator > 0)
                {
                    aggregator.Restore(field[..separator], field[(separator + 1)..], IndicatorJson.OfUtf8(entry.Value));
                }
            }

            lock (_gate)
            {
                _blocks.TryAdd(key, aggregator);
            }
        }
    }

    private bool IsBlock(string key)
    {
        try
        {
            _ = blockRange(key);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The rows of one block a batch changed: written (serialized) or deleted.</summary>
    private sealed record RowWrites(string Block, List<KeyValuePair<string, ReadOnlyMemory<byte>>> Sets, List<string> Deletes)
    {
        public static List<RowWrites> Of(Dictionary<(string Block, string Field), ReadOnlyMemory<byte>?> dirty)
        {
            var byBlock = new Dictionary<string, RowWrites>(StringComparer.Ordinal);
            foreach (var ((block, field), row) in dirty)
            {
                if (!byBlock.TryGetValue(block, out var writes))
                {
                    byBlock[block] = writes = new RowWrites(block, [], []);
                }

                if (row is { } value)
                {
                    writes.Sets.Add(KeyValuePair.Create(field, value));
                }
                else
                {
                    writes.Deletes.Add(field);
                }
            }

            return [.. byBlock.Values];
        }
    }
}
