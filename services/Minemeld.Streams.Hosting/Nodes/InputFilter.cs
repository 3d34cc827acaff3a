using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// The receive path of spec §3.2: an update loses its <c>_</c> keys and runs the infilters; one they drop becomes a
/// withdraw of the original message for this node. A withdraw runs the infilters too; one they drop is ignored.
/// </summary>
public static class InputFilter
{
    /// <summary>The operation to apply, or null when the message is dropped.</summary>
    public static (MessageOp Op, JsonObject? Value)? Apply(FilterSet infilters, in InputMessage input, NodeCounters counters)
    {
        ArgumentNullException.ThrowIfNull(infilters);
        ArgumentNullException.ThrowIfNull(counters);
        var message = input.Message;
        if (message.Op == MessageOp.Update)
        {
            counters.Add("update.rx");
            // Copied only when there are private keys to strip; the received value is otherwise used as it is.
            var value = IndicatorValue.StrippedOnReceive(message.Value!);

            if (infilters.Evaluate(new FilterContext(value, message.Indicator, "update", message.Origin)) == FilterDecision.Drop)
            {
                counters.Add("withdraw.processed");
                return (MessageOp.Withdraw, value);
            }

            counters.Add("update.processed");
            return (MessageOp.Update, value);
        }

        counters.Add("withdraw.rx");
        if (infilters.Evaluate(new FilterContext(message.Value, message.Indicator, "withdraw", message.Origin)) == FilterDecision.Drop)
        {
            return null;
        }

        counters.Add("withdraw.processed");
        return (MessageOp.Withdraw, message.Value);
    }
}
