namespace Minemeld.Streams.Hosting.State;

/// <summary>MineMeld's HUP: "poll now", sent to a miner when its local list was edited or an operator asks.</summary>
public interface IHupChannel
{
    Task PublishAsync(string graph, string node, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onHup"/> for every HUP of the node until the subscription is disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string graph, string node, Action onHup, CancellationToken cancellationToken);
}
