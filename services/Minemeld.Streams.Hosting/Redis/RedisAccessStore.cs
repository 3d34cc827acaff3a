using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// The access store in Redis: <c>mm:&lt;graph&gt;:aaa:users:feeds</c> and <c>…:users:api</c> (hash: name → JSON
/// {hash, attributes, origin}) and <c>mm:&lt;graph&gt;:aaa:feeds</c> (hash: feed → JSON attributes).
/// </summary>
public sealed class RedisAccessStore(IConnectionMultiplexer redis, string graph) : IAccessStore
{
    // 0: no such user; 2: the only one left, kept; 1: deleted.
    private const string DeleteUnlessLastScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        if redis.call('HLEN', KEYS[1]) <= 1 then return 2 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        return 1
        """;

    private readonly RedisKey _feeds = RedisKeys.AccessFeeds(graph);

    public async Task<AccessSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var feedUsers = db.HashGetAllAsync(UsersKey(UserKind.Feeds));
        var adminUsers = db.HashGetAllAsync(UsersKey(UserKind.Api));
        var feeds = db.HashGetAllAsync(_feeds);
        return new AccessSnapshot(
            Users(await feedUsers.ConfigureAwait(false)),
            Users(await adminUsers.ConfigureAwait(false)),
            (await feeds.ConfigureAwait(false)).ToDictionary(static e => e.Name.ToString(), static e => JsonNode.Parse(e.Value.ToString()) as JsonObject ?? [], StringComparer.Ordinal));
    }

    public Task SetUserAsync(UserKind kind, string name, UserRecord user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var json = new JsonObject { ["hash"] = user.Hash, ["attributes"] = user.Attributes.DeepClone(), ["origin"] = user.Origin };
        return redis.GetDatabase().HashSetAsync(UsersKey(kind), name, json.ToJsonString());
    }

    public async Task<bool> ReplaceHashAsync(UserKind kind, string name, string expectedHash, string newHash, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = UsersKey(kind);
        var current = await db.HashGetAsync(key, name).ConfigureAwait(false);
        if (current.IsNull || JsonNode.Parse(current.ToString()) is not JsonObject json || json["hash"]?.GetValue<string>() != expectedHash)
        {
            return false;
        }

        json["hash"] = newHash;
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(key, name, current));
        _ = transaction.HashSetAsync(key, name, json.ToJsonString());
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public Task<bool> DeleteUserAsync(UserKind kind, string name, CancellationToken cancellationToken) =>
        redis.GetDatabase().HashDeleteAsync(UsersKey(kind), name);

    public async Task<UserDeletion> DeleteUserUnlessLastAsync(UserKind kind, string name, CancellationToken cancellationToken) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(DeleteUnlessLastScript, [UsersKey(kind)], [name]).ConfigureAwait(false) switch
        {
            1 => UserDeletion.Deleted,
            2 => UserDeletion.LastOne,
            _ => UserDeletion.NotFound,
        };

    public Task SetFeedAsync(string feed, JsonObject attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return redis.GetDatabase().HashSetAsync(_feeds, feed, attributes.ToJsonString());
    }

    public Task<bool> DeleteFeedAsync(string feed, CancellationToken cancellationToken) => redis.GetDatabase().HashDeleteAsync(_feeds, feed);

    private static Dictionary<string, UserRecord> Users(HashEntry[] entries)
    {
        var users = new Dictionary<string, UserRecord>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (JsonNode.Parse(entry.Value.ToString()) is JsonObject json && json["hash"]?.GetValue<string>() is { } hash)
            {
                users[entry.Name.ToString()] = new UserRecord(hash, json["attributes"] as JsonObject ?? [], json["origin"]?.GetValue<string>() ?? "api");
            }
        }

        return users;
    }

    private RedisKey UsersKey(UserKind kind) => RedisKeys.AccessUsers(graph, kind == UserKind.Feeds ? "feeds" : "api");
}
