using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// What a consume loop does when it fails. A transient failure of something every message needs (the consumer, the
/// producer, the state store) restarts the loop from the committed offsets after a <see cref="Backoff"/>, the owner
/// resetting its nodes' in-memory state first. A committed offset the broker no longer has means messages were lost
/// before they were read: the loop stops for good and the owner reports it, instead of skipping the gap. Anything
/// else is a bug and ends the loop with the exception.
/// </summary>
internal static class RestartPolicy
{
    /// <summary>
    /// Runs <paramref name="consume"/> until it returns or <paramref name="stop"/> is cancelled, restarting it on
    /// transient failures.
    /// </summary>
    /// <param name="consume">One life of the loop, from subscribing to closing the consumer.</param>
    /// <param name="offsetGone">Called once, when a committed offset is gone: the loop stops after it.</param>
    /// <param name="restarting">
    /// Called before each wait with the failure and the delay: reset state, count, log.
    /// </param>
    /// <param name="stop">The host stopping.</param>
    public static async Task RunAsync(Func<Task> consume, Action<ConsumeException> offsetGone, Action<Exception, TimeSpan> restarting, CancellationToken stop)
    {
        var backoff = new Backoff();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await consume().ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ConsumeException ex) when (OffsetGone(ex))
            {
                offsetGone(ex);
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                restarting(ex, backoff.Current);
                await Task.Delay(backoff.Current, stop).ConfigureAwait(false);
                backoff.Grow();
            }
        }
    }

    /// <summary>
    /// Whether a consume failed because a committed offset is no longer on the broker (data was lost).
    /// </summary>
    public static bool OffsetGone(ConsumeException ex) => ex.Error.Code is ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange;

    /// <summary>A failure that a restart from the committed offsets may cure.</summary>
    public static bool IsTransient(Exception ex) =>
        ex is KafkaException or ProduceFailedException or TimeoutException or InvalidOperationException or IOException || State.StateStoreFaults.IsFault(ex);
}
