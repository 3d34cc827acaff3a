using System.Collections.Immutable;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>HUPs between the parts of one process: a publish calls every current subscriber of the node.</summary>
internal sealed class MemoryHupChannel : IHupChannel
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, ImmutableList<Action>> _subscribers = ImmutableDictionary.Create<string, ImmutableList<Action>>(StringComparer.Ordinal);

    public Task PublishAsync(string graph, string node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_subscribers.TryGetValue(Key(graph, node), out var handlers))
        {
            handlers.ForEach(static h => h());
        }

        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable> SubscribeAsync(string graph, string node, Action onHup, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(onHup);
        var key = Key(graph, node);
        lock (_gate)
        {
            _subscribers = _subscribers.SetItem(key, _subscribers.GetValueOrDefault(key, []).Add(onHup));
        }

        return Task.FromResult<IAsyncDisposable>(new Subscription(this, key, onHup));
    }

    private static string Key(string graph, string node) => $"{graph}/{node}";

    private void Unsubscribe(string key, Action onHup)
    {
        lock (_gate)
        {
            var remaining = _subscribers.GetValueOrDefault(key, []).Remove(onHup);
            _subscribers = remaining.IsEmpty ? _subscribers.Remove(key) : _subscribers.SetItem(key, remaining);
        }
    }

    private sealed class Subscription(MemoryHupChannel channel, string key, Action onHup) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            channel.Unsubscribe(key, onHup);
            return ValueTask.CompletedTask;
        }
    }
}
