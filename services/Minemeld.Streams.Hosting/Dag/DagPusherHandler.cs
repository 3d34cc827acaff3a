using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Dag;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Dag;

/// <summary>
/// The consumed side of a DAG pusher: what its inputs send becomes the set of addresses and tags to register
/// (<c>mm:&lt;graph&gt;:&lt;node&gt;:rows</c>, address → <c>{"t": tags, "ao": age-out ms}</c>), written in batch order
/// like any node's state; every batch that changed it wakes the node's pusher (<see cref="DagPusherService"/>), which
/// brings the devices to it. An update of anything but one IPv4 or IPv6 address is ignored and counted
/// (<c>ignored</c>), as MineMeld did; a withdraw removes the address; an update the infilters drop withdraws it.
/// </summary>
public sealed class DagPusherHandler(string graph, string node, FilterSet infilters, DagTagger tagger, long ageOutMilliseconds, IStateStore store, TimeProvider time)
    : IBatchHandler, INodeStatistics
{
    private readonly IRecordStore _rows = store.AggregatorRows(graph, node);

    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    /// <summary>Messages whose batch is written (its completion ran): what a test waits for.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    private long _completed;

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sets = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var deletes = new HashSet<string>(StringComparer.Ordinal);
        var ageOut = time.GetUtcNow().ToUnixTimeMilliseconds() + ageOutMilliseconds;
        var count = batch.Count; // the loop reuses the batch's list once applied
        foreach (var input in batch)
        {
            if (InputFilter.Apply(infilters, input, Counters) is not { } received)
            {
                continue;
            }

            var value = received.Value.ToTree();
            var type = input.Message.Type ?? (value?["type"] is JsonValue t && t.TryGetValue<string>(out var text) ? text : null);
            if (DagTagger.Address(input.Message.Indicator, type, out var reason) is not { } address)
            {
                Counters.Add("ignored");
                _ = reason;
                continue;
            }

            if (received.Op == MessageOp.Update)
            {
                deletes.Remove(address);
                sets[address] = JsonSerializer.SerializeToUtf8Bytes(new Row([.. tagger.Tags(value)], ageOut), RowContext.Default.Row);
            }
            else
            {
                sets.Remove(address);
                deletes.Add(address);
            }
        }

        return Task.FromResult<BatchCompletion>(async () =>
        {
            if (sets.Count == 0 && deletes.Count == 0)
            {
                Interlocked.Add(ref _completed, count);
                return;
            }

            var removed = deletes.Count == 0 ? 0 : await _rows.DeleteAsync(deletes, cancellationToken).ConfigureAwait(false);
            await _rows.WriteAsync(sets, [], cancellationToken).ConfigureAwait(false);
            Counters.Add("added", sets.Count);
            Counters.Add("removed", removed);
            await store.Hup.PublishAsync(graph, Node, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _completed, count);
        });
    }

    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
    }

    public void Reset()
    {
    }

    /// <summary>One address's record: its tags and when it ages out (ms since the epoch).</summary>
    public sealed record Row(
        [property: System.Text.Json.Serialization.JsonPropertyName("t")] string[] Tags,
        [property: System.Text.Json.Serialization.JsonPropertyName("ao")] long AgeOut);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(DagPusherHandler.Row))]
internal sealed partial class RowContext : System.Text.Json.Serialization.JsonSerializerContext;
