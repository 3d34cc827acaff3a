using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// The one test for "the state store failed" (a 503 to a client, a retry for a worker). Redis reports a broken
/// connection as <see cref="RedisException"/> but a slow one as <see cref="RedisTimeoutException"/>, which is a
/// <see cref="TimeoutException"/>: both are backend faults.
/// </summary>
public static class StateStoreFaults
{
    public static bool IsFault(Exception exception) => exception is RedisException or RedisTimeoutException;
}
