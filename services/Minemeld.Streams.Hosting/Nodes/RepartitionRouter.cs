using Confluent.Kafka;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// Stage 1 of an aggregator: re-keys every input message into the node's repartition topic, by indicator (exact
/// aggregation) or by address block (range aggregation; one message per block a range touches). Stateless; the
/// original origin (the input node) travels in the envelope.
/// </summary>
public sealed class RepartitionRouter(string node, string repartitionTopic, Func<IndicatorMessage, IReadOnlyList<string>> keys, MessagePublisher publisher) : IBatchHandler, INodeStatistics
{
    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    /// <summary>Routing needs the indicator only; the bytes travel on unchanged.</summary>
    public bool ReadsValues => false;

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outgoing = new List<OutgoingMessage>(batch.Count);
        foreach (var input in batch)
        {
            var routes = keys(input.Message);
            if (routes.Count == 0)
            {
                Counters.Add("error.parsing");
                continue;
            }

            // The envelope travels unchanged: forward the bytes that were read rather than serializing again.
            var bytes = input.Raw;
            outgoing.AddRange(routes.Select(key => new OutgoingMessage(repartitionTopic, key, bytes)));
        }

        var acknowledged = publisher.PublishAsync(outgoing, cancellationToken);
        return Task.FromResult<BatchCompletion>(async () =>
        {
            await acknowledged.ConfigureAwait(false);
            Counters.Add("routed", outgoing.Count);
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
}
