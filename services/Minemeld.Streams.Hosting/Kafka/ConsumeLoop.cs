using System.Text;
using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>What the per-node and the per-role consume loops do alike: fill a batch, surface a rebalance failure, write a dead letter.</summary>
internal static class ConsumeLoop
{
    /// <summary>
    /// Adds messages to <paramref name="batch"/> (which holds its first) until it is full or
    /// <see cref="KafkaOptions.MaxBatchWaitMs"/> passed since; what <paramref name="admitted"/> refuses is left out.
    /// </summary>
    public static void Fill(
        IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> batch, Func<ConsumeResult<string, byte[]>, bool> admitted, KafkaOptions options, ref Exception? failure)
    {
        var deadline = Environment.TickCount64 + options.MaxBatchWaitMs;
        while (batch.Count < options.MaxBatchSize)
        {
            var remaining = deadline - Environment.TickCount64;
            var next = consumer.Consume(TimeSpan.FromMilliseconds(Math.Max(0, remaining)));
            ThrowIfFailed(ref failure);
            if (next is null)
            {
                break;
            }

            if (admitted(next))
            {
                batch.Add(next);
            }
        }
    }

    /// <summary>Rethrows (once) what a rebalance callback caught: callbacks run inside Consume, where throwing is not allowed.</summary>
    public static void ThrowIfFailed(ref Exception? failure)
    {
        if (failure is { } ex)
        {
            failure = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }
    }

    /// <summary>Whether a consume failed because a committed offset is no longer on the broker (data was lost).</summary>
    public static bool OffsetGone(ConsumeException ex) => ex.Error.Code is ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange;

    /// <summary>The dead letter: the original bytes wrapped with where they came from and why they were refused.</summary>
    public static byte[] DeadLetterValue(ConsumeResult<string, byte[]> result, string error)
    {
        var original = result.Message.Value is null ? string.Empty : Encoding.UTF8.GetString(result.Message.Value);
        var letter = new System.Text.Json.Nodes.JsonObject
        {
            ["error"] = error,
            ["topic"] = result.Topic,
            ["partition"] = result.Partition.Value,
            ["offset"] = result.Offset.Value,
            ["original"] = original.Length > 65_536 ? original[..65_536] : original,
        };
        return Encoding.UTF8.GetBytes(letter.ToJsonString());
    }
}
