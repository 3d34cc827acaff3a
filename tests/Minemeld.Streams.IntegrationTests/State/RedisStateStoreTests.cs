using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;
using StackExchange.Redis;

namespace Minemeld.Streams.IntegrationTests.State;

/// <summary>The state-store contract on a real redis-server; the "other handle" is a second connection, as another process has.</summary>
[Trait("Category", "Integration")]
public sealed class RedisStateStoreTests(RedisFixture redis) : StateStoreContract, IAsyncDisposable
{
    private ConnectionMultiplexer? _other;

    public async ValueTask DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.DisposeAsync();
        }
    }

    protected override async Task<IStateStore> StoreAsync() => new RedisStateStore(await redis.ConnectAsync());

    protected override async Task<IStateStore> OtherHandleAsync()
    {
        _other ??= await ConnectionMultiplexer.ConnectAsync(await redis.EndpointAsync());
        return new RedisStateStore(_other);
    }
}
