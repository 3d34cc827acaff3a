namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Which replica polls a miner node: a short lease its holder keeps renewing
/// (<see cref="Nodes.Miners.MinerLeaseKeeper"/>), so a dead holder's miners are taken over within seconds, not after
/// their interval.
/// </summary>
public interface IMinerLease
{
    /// <summary>
    /// Takes the lease for <paramref name="ttl"/> when nobody holds it, or extends it to <paramref name="ttl"/> from
    /// now when <paramref name="owner"/> holds it; true when <paramref name="owner"/> holds it now.
    /// </summary>
    Task<bool> TryAcquireAsync(string owner, TimeSpan ttl, CancellationToken cancellationToken);

    Task<bool> IsHeldByAsync(string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Gives the lease up if <paramref name="owner"/> holds it (a stopping process), so another replica takes it at
    /// once.
    /// </summary>
    Task ReleaseAsync(string owner, CancellationToken cancellationToken);
}
