namespace Minemeld.Streams.Hosting.State;

/// <summary>Who polls a miner node this interval: a lease that expires on its own, so a dead holder frees it.</summary>
public interface IMinerLease
{
    /// <summary>Takes the lease for <paramref name="ttl"/> when nobody holds it; true when <paramref name="owner"/> holds it now (a held lease is not extended).</summary>
    Task<bool> TryAcquireAsync(string owner, TimeSpan ttl);

    Task<bool> IsHeldByAsync(string owner);

    /// <summary>Gives the lease up if <paramref name="owner"/> holds it (a stopping process), so another replica takes it at once.</summary>
    Task ReleaseAsync(string owner);
}
