using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.IntegrationTests.State;

/// <summary>The state-store contract on the in-memory store (one instance per test, as one process has one).</summary>
public sealed class MemoryStateStoreTests : StateStoreContract
{
    private readonly MemoryStateStore _store = new();

    protected override Task<IStateStore> StoreAsync() => Task.FromResult<IStateStore>(_store);

    protected override Task<IStateStore> OtherHandleAsync() => Task.FromResult<IStateStore>(_store);
}
