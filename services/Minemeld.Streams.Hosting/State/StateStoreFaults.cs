using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// The one test for "the state store failed" (a 503 to a client, a retry for a worker). Redis reports a broken
/// connection as <see cref="RedisException"/> but a slow one as <see cref="RedisTimeoutException"/>, which is a
/// <see cref="TimeoutException"/>: both are backend faults, and so is a caller's own deadline passing
/// (<see cref="StateStoreDeadlineException"/>).
/// </summary>
public static class StateStoreFaults
{
    public static bool IsFault(Exception exception) => exception is RedisException or RedisTimeoutException or StateStoreDeadlineException;

    /// <summary>
    /// <paramref name="task"/>, or a <see cref="StateStoreDeadlineException"/> once <paramref name="deadline"/> has
    /// passed (the call itself goes on and its result is dropped): a caller that must answer in time stops waiting
    /// for a store that does not answer.
    /// </summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan deadline, TimeProvider time, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(deadline < TimeSpan.Zero ? TimeSpan.Zero : deadline, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (ex is not RedisTimeoutException)
        {
            throw new StateStoreDeadlineException($"the state store did not answer {what} within {deadline.TotalMilliseconds:F0} ms", ex);
        }
    }
}

/// <summary>The state store did not answer within the caller's deadline.</summary>
public sealed class StateStoreDeadlineException : TimeoutException
{
    public StateStoreDeadlineException()
    {
    }

    public StateStoreDeadlineException(string message)
        : base(message)
    {
    }

    public StateStoreDeadlineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
