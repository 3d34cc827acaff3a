using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// The state store in Redis, with the key layout of <see cref="RedisKeys"/> (the README lists it). Shared by every
/// worker process of a graph; the connection belongs to the caller.
/// </summary>
public sealed class RedisStateStore(IConnectionMultiplexer redis) : IStateStore
{
    public string Description => $"redis {string.Join(',', redis.GetEndPoints().Select(static e => e.ToString()))}";

    public bool IsConnected => redis.IsConnected;

    public IHupChannel Hup { get; } = new RedisHupChannel(redis);

    public IFeedStore Feed(string graph, string node) => new RedisFeedStore(redis, graph, node);

    public IFeedReadStore FeedReader(string graph, FeedReadOptions options) => new RedisFeedReadStore(redis, graph, options);

    public IMinerTableStore MinerTable(string graph, string node) => new RedisMinerTableStore(redis, graph, node);

    public IMinerLease MinerLease(string graph, string node) => new RedisMinerLease(redis, RedisKeys.MinerLease(graph, node));

    public IRecordStore AggregatorRows(string graph, string node, string? block = null) =>
        new RedisRecordStore(redis, block is null ? RedisKeys.AggregatorRows(graph, node) : RedisKeys.RangeRows(graph, node, block));

    public IRecordStore LocalList(string graph, string node) => new RedisRecordStore(redis, RedisKeys.LocalList(graph, node));

    public INodeStatusStore Status(string graph) => new RedisNodeStatusStore(redis, graph);

    public IAccessStore Access(string graph) => new RedisAccessStore(redis, graph);

    public IRecordStore CommittedGraph(string graph) => new RedisRecordStore(redis, RedisKeys.CommittedGraph(graph));

    public IRecordStore NodeCommands(string graph) => new RedisRecordStore(redis, RedisKeys.NodeCommands(graph));

    public IRecordStore ListStamps(string graph) => new RedisRecordStore(redis, RedisKeys.ListStamps(graph));

    public IRecordStore ConsoleSessions(string graph) => new RedisRecordStore(redis, RedisKeys.ConsoleSessions(graph));

    public async Task<long> DeleteNodeStateAsync(string graph, string node, bool keepList, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var list = RedisKeys.LocalList(graph, node);
        var keys = new List<RedisKey>();
        foreach (var server in redis.GetServers().Where(static s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: RedisKeys.NodeKeys(graph, node)).ConfigureAwait(false))
            {
                if (!keepList || key != list)
                {
                    keys.Add(key);
                }
            }
        }

        return keys.Count == 0 ? 0 : await redis.GetDatabase().KeyDeleteAsync([.. keys]).ConfigureAwait(false);
    }
}
