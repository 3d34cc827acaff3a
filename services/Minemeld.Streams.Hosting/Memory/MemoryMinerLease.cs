using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

internal sealed class MemoryMinerLease(TimeProvider time) : IMinerLease
{
    private readonly Lock _gate = new();
    private string? _owner;
    private DateTimeOffset _expires;

    public Task<bool> TryAcquireAsync(string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_owner is null || now >= _expires || _owner == owner)
            {
                (_owner, _expires) = (owner, now + ttl);
            }

            return Task.FromResult(_owner == owner);
        }
    }

    public Task<bool> IsHeldByAsync(string owner, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_owner == owner && time.GetUtcNow() < _expires);
        }
    }

    public Task ReleaseAsync(string owner, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_owner == owner)
            {
                _owner = null;
            }
        }

        return Task.CompletedTask;
    }
}
