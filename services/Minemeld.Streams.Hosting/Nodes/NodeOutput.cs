using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// The emit path every publishing node shares (docs/minemeld-engine.md, "The emit path"): emissions pass the node's
/// outfilters (run with <c>__origin</c> = the node; a dropped emission is simply not sent), are encoded onto the node's
/// edge topic keyed by indicator, and the call returns once every message is acknowledged.
/// </summary>
public sealed class NodeOutput(string node, string? topic, FilterSet outfilters, MessagePublisher publisher, TimeProvider time)
{
    /// <summary>
    /// Publishes what passes the outfilters; returns how many messages were sent. <paramref name="counters"/>, when
    /// given, counts <c>update.tx</c>/<c>withdraw.tx</c> for every emission, sent or not, as MineMeld counted them.
    /// </summary>
    public Task<int> PublishAsync(IReadOnlyList<Emission> emissions, NodeCounters? counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emissions);
        if (counters is not null)
        {
            var updated = Updates(emissions);
            counters.Add("update.tx", updated);
            counters.Add("withdraw.tx", emissions.Count - updated);
        }

        if (topic is null || emissions.Count == 0)
        {
            return Task.FromResult(0);
        }

        var sent = OutputFilter.Apply(outfilters, node, emissions);
        if (sent.Count == 0)
        {
            return Task.FromResult(0);
        }

        // Encoded as they are produced: the first messages are on the wire while later ones are still encoded. What
        // waits for the acks holds counts only, not the emissions (see MessagePublisher.PublishAsync): the caller's
        // list is free again once this returns.
        var now = time.GetUtcNow();
        var updates = Updates(sent);
        var acknowledged = publisher.PublishAsync(sent.Select(e => EmissionEncoder.EncodeTransient(topic, node, e, now)), cancellationToken);
        return CountedAsync(acknowledged, node, updates, sent.Count - updates);
    }

    private static int Updates(IReadOnlyList<Emission> emissions)
    {
        var updates = 0;
        for (var i = 0; i < emissions.Count; i++)
        {
            updates += emissions[i].Op == MessageOp.Update ? 1 : 0;
        }

        return updates;
    }

    private static async Task<int> CountedAsync(Task acknowledged, string node, int updates, int withdraws)
    {
        await acknowledged.ConfigureAwait(false);
        PipelineMetrics.Published.WithLabels(node, "update").Inc(updates);
        PipelineMetrics.Published.WithLabels(node, "withdraw").Inc(withdraws);
        return updates + withdraws;
    }
}
