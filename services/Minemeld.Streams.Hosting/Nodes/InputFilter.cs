using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// The receive path of docs/minemeld-engine.md, "The receive path": an update loses its <c>_</c> keys and runs the
/// infilters; one they drop becomes a withdraw of the original message for this node. A withdraw runs the infilters
/// too; one they drop is ignored. A value with nothing to strip is filtered as the bytes it arrived in, and handed on
/// that way (no tree is built).
/// </summary>
public static class InputFilter
{
    /// <summary>The operation to apply, or null when the message is dropped.</summary>
    public static Received? Apply(FilterSet infilters, in InputMessage input, NodeCounters counters)
    {
        ArgumentNullException.ThrowIfNull(infilters);
        ArgumentNullException.ThrowIfNull(counters);
        var message = input.Message;
        var value = message.ValueJson;
        // A value kept as bytes is read once for where its properties lie: the private-name check, each condition and
        // the caller's own lookups (a feed's score) use that instead of scanning it again each.
        var bytes = !value.HasTree && !value.Utf8.IsEmpty;
        var properties = bytes ? Utf8PropertyIndex.Of(value.Utf8) : null;
        var asReceived = bytes && !Utf8PropertyIndex.HasNameStartingWith(properties, value.Utf8, (byte)'_');
        if (message.Op == MessageOp.Update)
        {
            counters.Add("update.rx");
            // Copied only when there are private keys to strip; the received value is otherwise used as it is.
            var received = asReceived ? new Received(MessageOp.Update, value) { Properties = properties } : new Received(MessageOp.Update, IndicatorValue.StrippedOnReceive(message.Value!));
            if (infilters.Evaluate(received.Context(message, "update")) == FilterDecision.Drop)
            {
                counters.Add("withdraw.processed");
                return received with { Op = MessageOp.Withdraw };
            }

            counters.Add("update.processed");
            return received;
        }

        counters.Add("withdraw.rx");
        var withdraw = asReceived ? new Received(MessageOp.Withdraw, value) { Properties = properties } : new Received(MessageOp.Withdraw, message.Value);
        if (infilters.Evaluate(withdraw.Context(message, "withdraw")) == FilterDecision.Drop)
        {
            return null;
        }

        counters.Add("withdraw.processed");
        return withdraw;
    }

    /// <summary>
    /// What a node applies: the operation and the value, a tree or the UTF-8 JSON it arrived in (none for a withdraw
    /// without one).
    /// </summary>
    public readonly record struct Received(MessageOp Op, IndicatorJson Value)
    {
        /// <summary>
        /// Where the value's bytes have their properties (this thread's index, good until it indexes the next message:
        /// a lookup through
        /// <see cref="Utf8PropertyIndex.TryFindLast(Utf8PropertyIndex?, ReadOnlyMemory{byte}, ReadOnlySpan{byte}, out System.Text.Json.Utf8JsonReader)"/>
        /// scans when it has moved on); null when the value is a tree or could not be indexed.
        /// </summary>
        public Utf8PropertyIndex? Properties { get; init; }

        public FilterContext Context(IndicatorMessage message, string method) =>
            new(Value, message.Indicator, method, message.Origin) { Utf8Properties = Value.HasTree ? null : Properties };
    }
}
