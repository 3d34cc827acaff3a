using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>A poll lease as a Redis string with expiry: the value names the holder.</summary>
public sealed class RedisMinerLease(IConnectionMultiplexer redis, RedisKey key) : IMinerLease
{
    // Extend when held by ARGV[1], else SET NX PX; 1 when ARGV[1] holds it afterwards.
    private const string AcquireScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        return 0
        """;

    public async Task<bool> TryAcquireAsync(string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [key], [owner, (long)ttl.TotalMilliseconds]).ConfigureAwait(false) == 1;
    }

    public async Task<bool> IsHeldByAsync(string owner, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringGetAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false) == owner;

    /// <summary>
    /// Deletes the key only while it still names <paramref name="owner"/> (compare and delete, in one script).
    /// </summary>
    public Task ReleaseAsync(string owner, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [key], [owner]);
    }

    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
}
