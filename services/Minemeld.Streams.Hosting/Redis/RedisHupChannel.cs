using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// HUPs as Redis pub/sub messages on <see cref="RedisKeys.HupChannel"/>: every subscribed process hears them.
/// </summary>
public sealed class RedisHupChannel(IConnectionMultiplexer redis) : IHupChannel
{
    public Task PublishAsync(string graph, string node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return redis.GetSubscriber().PublishAsync(Channel(graph, node), "hup");
    }

    public async Task<IAsyncDisposable> SubscribeAsync(string graph, string node, Action onHup, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(onHup);
        var subscriber = redis.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(Channel(graph, node)).ConfigureAwait(false);
        queue.OnMessage(_ => onHup());
        return new Subscription(queue);
    }

    private static RedisChannel Channel(string graph, string node) => RedisChannel.Literal(RedisKeys.HupChannel(graph, node));

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await queue.UnsubscribeAsync().ConfigureAwait(false);
    }
}
