using System.Text.Json.Nodes;
using Confluent.Kafka;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;

namespace Minemeld.Streams.Hosting.Logstash;

/// <summary>
/// MineMeld's <c>logstash.LogstashOutput</c>: every update and withdraw its infilters let through is an event on a
/// Logstash TCP input (<c>logstash_host</c>, <c>logstash_port</c>): <c>message</c> (update or withdraw),
/// <c>@indicator</c>, <c>@origin</c> (the node that sent it), <c>logstash_output_node</c> and the indicator's
/// attributes. A batch's events are written before its offsets are stored: Logstash down stops the node's progress
/// (retried), it never loses events.
/// </summary>
public sealed class LogstashOutputHandler(string node, FilterSet infilters, LogstashSender sender) : IBatchHandler, INodeStatistics, IDisposable
{
    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var events = new List<JsonObject>(batch.Count);
        foreach (var input in batch)
        {
            if (InputFilter.Apply(infilters, input, Counters) is not { } received)
            {
                continue;
            }

            var line = sender.Event(received.Value.ToTree());
            line["logstash_output_node"] = Node;
            line["message"] = received.Op == MessageOp.Update ? "update" : "withdraw";
            line["@indicator"] = input.Message.Indicator;
            line["@origin"] = input.Message.Origin;
            events.Add(line);
        }

        return Task.FromResult<BatchCompletion>(async () =>
        {
            await sender.SendAsync(events, cancellationToken).ConfigureAwait(false);
            Counters.Add("message.sent", events.Count);
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

    public void Dispose() => sender.Dispose();
}
