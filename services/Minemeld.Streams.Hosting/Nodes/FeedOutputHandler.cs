using Confluent.Kafka;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A feed output (MineMeld's RedisSet, spec §6) over a batch: infilters decide membership (an update they drop
/// withdraws the indicator), the last message per indicator in the batch decides its fate, and the whole batch
/// lands in Redis in one transaction. <c>max_entries</c> caps the number of members: new members beyond it are
/// dropped and counted, updates of members already present still apply (design.md decision 6). Replaying a batch
/// writes the same members, scores and values again.
/// </summary>
public sealed class FeedOutputHandler(string node, FeedOutputSettings settings, IFeedStore store) : IBatchHandler, INodeStatistics
{
    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var final = new Dictionary<string, FeedChange>(batch.Count, StringComparer.Ordinal);
        foreach (var input in batch)
        {
            var message = input.Message;
            if (message.Op == MessageOp.Update)
            {
                Counters.Add("update.rx");
                var context = Received(message, "update");
                if (settings.Infilters.Evaluate(context) == FilterDecision.Drop)
                {
                    Counters.Add("withdraw.processed");
                    final[message.Indicator] = new FeedChange(message.Indicator, false, 0, null);
                    continue;
                }

                Counters.Add("update.processed");
                final[message.Indicator] = new FeedChange(message.Indicator, true, Score(context), settings.StoreValue ? Text(context) : null);
            }
            else
            {
                Counters.Add("withdraw.rx");
                if (settings.Infilters.Evaluate(Received(message, "withdraw")) == FilterDecision.Drop)
                {
                    continue;
                }

                Counters.Add("withdraw.processed");
                final[message.Indicator] = new FeedChange(message.Indicator, false, 0, null);
            }
        }

        // The cap is checked against the feed as the previous batches left it: completions run in batch order.
        return Task.FromResult<BatchCompletion>(async () =>
        {
            var changes = await ApplyCapAsync(final).ConfigureAwait(false);
            var (added, removed) = await store.ApplyAsync(changes).ConfigureAwait(false);
            Counters.Add("added", added);
            Counters.Add("removed", removed);
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

    /// <summary>Drops new members that would take the feed past max_entries (in batch order).</summary>
    private async Task<List<FeedChange>> ApplyCapAsync(Dictionary<string, FeedChange> final)
    {
        var additions = final.Values.Where(static c => c.Present).Select(static c => c.Indicator).ToList();
        if (additions.Count == 0)
        {
            return [.. final.Values];
        }

        // Membership only matters when this batch could reach the cap: one ZCARD decides whether to look.
        if (await store.CountAsync().ConfigureAwait(false) + additions.Count <= settings.MaxEntries)
        {
            return [.. final.Values];
        }

        var (count, members) = await store.ProbeAsync(additions).ConfigureAwait(false);
        var room = settings.MaxEntries - count + final.Values.Count(c => !c.Present && members.Contains(c.Indicator));
        var changes = new List<FeedChange>(final.Count);
        foreach (var change in final.Values)
        {
            if (change.Present && !members.Contains(change.Indicator))
            {
                if (room <= 0)
                {
                    Counters.Add("drop.overflow");
                    continue;
                }

                room--;
            }

            changes.Add(change);
        }

        return changes;
    }

    /// <summary>
    /// The value as the filters see it: read from the bytes it arrived in when there is nothing to strip (the common
    /// case: no tree is built), otherwise the tree with its <c>_</c> keys stripped in place (the decoded message
    /// belongs to this batch alone; a replay decodes it again).
    /// </summary>
    private static FilterContext Received(IndicatorMessage message, string method)
    {
        if (!message.HasValueTree && !message.Utf8Value.IsEmpty && !Utf8JsonObject.HasNameStartingWith(message.Utf8Value.Span, (byte)'_', (byte)'_'))
        {
            return FilterContext.OfUtf8(message.Utf8Value, message.Indicator, method, message.Origin);
        }

        if (message.Value is { } value)
        {
            IndicatorValue.StripOnReceive(value);
        }

        return new FilterContext(message.Value, message.Indicator, method, message.Origin);
    }

    private double Score(in FilterContext context)
    {
        if (settings.ScoringAttribute is null)
        {
            return 0;
        }

        return JsonNodeValues.TryGetInt64(context.Lookup(settings.ScoringAttribute), out var score) ? score : 0;
    }

    /// <summary>The value's JSON text as the feed stores it.</summary>
    private static string? Text(in FilterContext context) => context.Value is { } tree ? tree.ToJsonString()
        : context.Utf8Value.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(context.Utf8Value.Span);
}
