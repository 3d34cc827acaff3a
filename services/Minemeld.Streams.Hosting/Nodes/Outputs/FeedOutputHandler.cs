using Confluent.Kafka;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Outputs;

/// <summary>
/// A feed output (MineMeld's RedisSet, docs/minemeld-engine.md, "Feeds (RedisSet)") over a batch: infilters decide
/// membership (an update they drop withdraws the indicator), the last message per indicator in the batch decides its
/// fate, and the whole batch lands in Redis in one transaction. <c>max_entries</c> caps the number of members: new
/// members beyond it are dropped and counted, updates of members already present still apply
/// (docs/minemeld-compatibility.md, difference 25). Replaying a batch writes the same members, scores and values again.
/// <para>
/// With a <see cref="FeedTable"/>, every change is also published to the feed's table topic before it is written to
/// Redis (key = indicator; value = an update message with the member's value, origin the feed; a tombstone when it
/// leaves), and the batch's offsets are stored only after both: folding the topic gives the feed, and a replay
/// publishes the same changes again, which a fold absorbs.
/// </para>
/// </summary>
public sealed class FeedOutputHandler(string node, FeedOutputSettings settings, IFeedStore store, FeedOutputHandler.FeedTable? table = null) : IBatchHandler, INodeStatistics
{
    /// <summary>Where a feed output mirrors its feed: the table topic, the process's publisher and its clock.</summary>
    public sealed record FeedTable(string Topic, MessagePublisher Publisher, TimeProvider Time);

    /// <summary>The scoring attribute's name as UTF-8, to read the score from a value kept as bytes.</summary>
    private readonly byte[]? _scoringAttribute = settings.ScoringAttribute is { } name ? System.Text.Encoding.UTF8.GetBytes(name) : null;

    public string Node { get; } = node;

    public NodeCounters Counters { get; } = new();

    public Task<BatchCompletion> ApplyAsync(IReadOnlyList<InputMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var final = new Dictionary<string, FeedChange>(batch.Count, StringComparer.Ordinal);
        var rows = table is null ? null : new Dictionary<string, byte[]>(batch.Count, StringComparer.Ordinal);
        var now = table?.Time.GetUtcNow() ?? default;
        foreach (var input in batch)
        {
            // The receive path every consumed node shares (docs/minemeld-engine.md, "The receive path"): an update the infilters drop withdraws.
            if (InputFilter.Apply(settings.Infilters, input, Counters) is not { } received)
            {
                continue;
            }

            var indicator = input.Message.Indicator;
            if (received.Op == MessageOp.Update && settings.Guard.Refuses(input.Message.Type, indicator))
            {
                // Never served, whatever let it through upstream (a miner whose guard was turned off, a feed filled
                // before the guard existed); a member already held leaves the feed.
                Counters.Add("drop.overbroad");
                final[indicator] = new FeedChange(indicator, false, 0, null);
                continue;
            }

            if (received.Op != MessageOp.Update)
            {
                final[indicator] = new FeedChange(indicator, false, 0, null);
                continue;
            }

            // The value as UTF-8 once, for the stored text and the table message alike: the text as it arrived, or the
            // stripped tree written out.
            var value = settings.StoreValue || rows is not null ? received.Value.ToUtf8() : default;
            final[indicator] = new FeedChange(indicator, true, Score(received), settings.StoreValue ? Text(value) : null);
            if (rows is not null)
            {
                rows[indicator] = TableMessage(input.Message, value, now);
            }
        }

        // The cap is checked against the feed as the previous batches left it: completions run in batch order.
        return Task.FromResult<BatchCompletion>(async () =>
        {
            var changes = await ApplyCapAsync(final, cancellationToken).ConfigureAwait(false);
            if (table is not null && changes.Count > 0)
            {
                await table.Publisher.PublishAsync(changes.Select(c => new OutgoingMessage(table.Topic, c.Indicator, c.Present ? rows![c.Indicator] : null)), cancellationToken).ConfigureAwait(false);
                Counters.Add("table.tx", changes.Count);
            }

            var (added, removed) = await store.ApplyAsync(changes, settings.RevokedRetention, cancellationToken).ConfigureAwait(false);
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
    private async Task<IReadOnlyCollection<FeedChange>> ApplyCapAsync(Dictionary<string, FeedChange> final, CancellationToken cancellationToken)
    {
        var additions = final.Values.Count(static c => c.Present);
        if (additions == 0)
        {
            return final.Values;
        }

        // Membership only matters when this batch could reach the cap: one ZCARD decides whether to look.
        if (await store.CountAsync(cancellationToken).ConfigureAwait(false) + additions <= settings.MaxEntries)
        {
            return final.Values;
        }

        var (count, members) = await store.ProbeAsync([.. final.Values.Where(static c => c.Present).Select(static c => c.Indicator)], cancellationToken).ConfigureAwait(false);
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
    /// The member's table-topic message: an update from the feed with the value as received (stripped).
    /// </summary>
    private byte[] TableMessage(IndicatorMessage message, ReadOnlyMemory<byte> value, DateTimeOffset now) =>
        IndicatorMessageSerializer.Serialize(MessageOp.Update, message.Indicator, message.Type, Node, IndicatorJson.OfUtf8(value), now);

    private double Score(in InputFilter.Received received)
    {
        if (settings.ScoringAttribute is not { } attribute)
        {
            return 0;
        }

        if (received.Value.Tree is { } tree)
        {
            return JsonNodeValues.TryGetInt64(tree[attribute], out var fromTree) ? fromTree : 0;
        }

        // Read in place (where the infilters' index says it is): an integer, as the tree path takes it (a float such as
        // 3.0 is no score).
        return Utf8PropertyIndex.TryFindLast(received.Properties, received.Value.Utf8, _scoringAttribute, out var value)
            && value.TokenType == System.Text.Json.JsonTokenType.Number && value.TryGetInt64(out var score) ? score : 0;
    }

    /// <summary>
    /// The value's JSON text as the feed stores it, as MineMeld wrote it (<see cref="MineMeldJson"/>: its key order
    /// and escaping).
    /// </summary>
    private static string? Text(ReadOnlyMemory<byte> value) => value.IsEmpty ? null : MineMeldJson.Encode(value.Span);
}
