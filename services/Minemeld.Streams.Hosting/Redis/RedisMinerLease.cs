using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>A poll lease as a Redis string with expiry (SET NX PX): the value names the holder.</summary>
public sealed class RedisMinerLease(IConnectionMultiplexer redis, RedisKey key) : IMinerLease
{
    public async Task<bool> TryAcquireAsync(string owner, TimeSpan ttl) =>
        await redis.GetDatabase().StringSetAsync(key, owner, ttl, When.NotExists).ConfigureAwait(false) || await IsHeldByAsync(owner).ConfigureAwait(false);

    public async Task<bool> IsHeldByAsync(string owner) =>
        await redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false) == owner;

    /// <summary>Deletes the key only while it still names <paramref name="owner"/> (compare and delete, in one script).</summary>
    public Task ReleaseAsync(string owner) =>
        redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [key], [owner]);

    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
}
