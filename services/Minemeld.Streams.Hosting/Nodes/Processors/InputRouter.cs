using Confluent.Kafka;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes.Processors;

/// <summary>
/// The front of an aggregator's consumer, which reads the node's inputs and its repartition topic in one group. Every
/// input message is split by its repartition keys (the indicator for exact aggregation; each address block it
/// touches for range aggregation). A key whose repartition partition this consumer owns is applied here and now, as
/// if it had arrived on that partition; any other is forwarded to the repartition topic, to that partition's owner.
/// Messages from the repartition topic are applied as they come. So every message of a key is applied by the one
/// owner of the key's partition, whatever the assignor; publishers put an indicator on the partition number its
/// block has on the repartition topic (<see cref="EdgePartitioner"/>), so with the range assignor and equal partition
/// counts a consumer owns the repartition partitions of what it reads, and almost nothing takes the second hop.
/// Ordering when ownership moves is the consume loop's job (<see cref="CatchUpGate"/>).
/// </summary>
public sealed class InputRouter(
    string repartitionTopic,
    int partitions,
    Func<IndicatorMessage, IReadOnlyList<string>> keys,
    Func<string, int, int> partitionOf,
    IBatchHandler aggregator,
    MessagePublisher publisher) : IBatchHandler, INodeStatistics
{
    /// <summary>The repartition partitions this consumer owns.</summary>
    private readonly HashSet<int> _owned = [];

    /// <summary>
    /// The messages a batch applies here, refilled by every batch (the aggregation keeps nothing of the list).
    /// </summary>
    private readonly List<InputMessage> _local = [];

    public string Node => aggregator.Node;

    /// <summary>
    /// <c>direct</c>: keys applied by the consumer that read them; <c>routed</c>: keys forwarded to their owner.
    /// </summary>
    public NodeCounters Counters { get; } = new();

    /// <summary>The aggregation behind the router: its counters belong to the same node.</summary>
    public IEnumerable<INodeStatistics> Behind => aggregator is INodeStatistics statistics ? [statistics] : [];

    public async Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var local = _local;
        local.Clear();
        List<OutgoingMessage>? forwarded = null;
        var direct = 0;
        foreach (var input in batch)
        {
            if (input.Topic == repartitionTopic)
            {
                local.Add(input);
                continue;
            }

            var routes = keys(input.Message);
            if (routes.Count == 0)
            {
                Counters.Add("error.parsing");
                continue;
            }

            for (var i = 0; i < routes.Count; i++)
            {
                var key = routes[i];
                var partition = partitionOf(key, partitions);
                if (_owned.Contains(partition))
                {
                    local.Add(input with { Topic = repartitionTopic, Partition = partition, Key = key });
                    direct++;
                }
                else
                {
                    // The envelope travels unchanged: the bytes that were read, not a new serialization.
                    (forwarded ??= []).Add(new OutgoingMessage(repartitionTopic, key, input.Raw, partition));
                }
            }
        }

        var acknowledged = forwarded is null ? Task.CompletedTask : publisher.PublishAsync(forwarded, cancellationToken);
        BatchCompletion applied;
        try
        {
            applied = await aggregator.ApplyAsync(local, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await acknowledged.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        finally
        {
            local.Clear(); // nothing of the batch stays reachable from here until the next one
        }

        var routed = forwarded?.Count ?? 0;
        return async () =>
        {
            await acknowledged.ConfigureAwait(false);
            await applied().ConfigureAwait(false);
            Counters.Add("direct", direct);
            Counters.Add("routed", routed);
        };
    }

    /// <summary>The aggregation's state is per repartition partition: it hears about those only.</summary>
    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        var owned = Repartition(partitions);
        _owned.UnionWith(owned.Select(static p => p.Partition.Value));
        aggregator.PartitionsAssigned(owned);
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        var revoked = Repartition(partitions);
        _owned.ExceptWith(revoked.Select(static p => p.Partition.Value));
        aggregator.PartitionsRevoked(revoked);
    }

    public void Reset()
    {
        _owned.Clear();
        aggregator.Reset();
    }

    private List<TopicPartition> Repartition(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        return [.. partitions.Where(p => p.Topic == repartitionTopic)];
    }
}
