using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>
/// A miner's table saved and loaded through <see cref="MinerStateStore"/>: what a restarted or taking-over replica
/// finds, and that a save writes only the rows that changed since the last save or load.
/// </summary>
public sealed class MinerStateStoreTests
{
    private static Poller Create(bool multipleTypes = false) => new(new PollerSettings
    {
        SourceName = "test",
        Attributes = new JsonObject { ["type"] = "IPv4", ["confidence"] = 80 },
        IntervalSeconds = 1,
        DefaultPolicy = AgeOutExpression.TryParse("last_seen+10", out var policy, out _) ? policy : null,
        MultipleIndicatorTypes = multipleTypes,
    });

    private static void Poll(Poller poller, int t, params (string Indicator, JsonObject Attributes)[] items)
    {
        _ = poller.ApplyPoll(t * 1000L, items, succeeded: true);
        poller.SuddenDeath();
        _ = poller.AgeOut(t * 1000L);
        poller.CollectGarbage(t * 1000L);
    }

    private static (string, JsonObject) Item(string indicator, string? note = null) =>
        (indicator, note is null ? [] : new JsonObject { ["note"] = note, ["tags"] = new JsonArray("a", 1, null), ["_raw"] = "line" });

    private static string Dump(Poller poller) => string.Join('\n', poller.Rows.OrderBy(static r => r.Type + r.Indicator, StringComparer.Ordinal)
        .Select(static r => $"{r.Type} {r.Indicator} {r.ReadValue().ToJsonString()} lr={r.LastRun} ao={r.AgeOut} w={r.Withdrawn}"));

    [Fact]
    public async Task ALoadedTableIsTheSavedOneAndAPollOfTheSameItemsPublishesNothing()
    {
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, Item("10.0.0.1", "x"), Item("10.0.0.2"), Item("10.0.0.3"));
        Poll(poller, 2, Item("10.0.0.1", "x"), Item("10.0.0.2"));
        await new MinerStateStore(table).SaveAsync(poller);

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored);

        Assert.Equal(Dump(poller), Dump(restored));
        Assert.Equal((poller.LastRun, poller.LastSuccessfulRun), (restored.LastRun, restored.LastSuccessfulRun));
        Assert.Contains("\"_raw\":\"line\"", Dump(restored), StringComparison.Ordinal); // private keys are state, kept
        Assert.Empty(restored.ApplyPoll(3000, [Item("10.0.0.1", "x"), Item("10.0.0.2")], succeeded: true));
    }

    [Fact]
    public async Task ASaveWritesOnlyWhatChangedSinceTheLastSaveOrLoadAndDeletesCollectedRows()
    {
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"), Item("C"));
        await store.SaveAsync(poller);
        Assert.Equal(["A", "B", "C"], table.LastChanged);

        await store.SaveAsync(poller);
        Assert.Empty(table.LastChanged);
        Assert.Empty(table.LastDeleted);

        // C leaves the feed: withdrawn by sudden death and collected in the same poll; A and B are refreshed.
        Poll(poller, 2, Item("A"), Item("B"));
        await store.SaveAsync(poller);
        Assert.Equal(["A", "B"], table.LastChanged);
        Assert.Equal(["C"], table.LastDeleted);
        Assert.Equal(["A", "B"], (await table.LoadAsync()).Rows.Keys.Order(StringComparer.Ordinal));

        // A loaded table counts as saved: nothing to write until something changes.
        var reloaded = new MinerStateStore(table);
        var restored = Create();
        await reloaded.LoadAsync(restored);
        await reloaded.SaveAsync(restored);
        Assert.Empty(table.LastChanged);
        Assert.Empty(table.LastDeleted);
    }

    /// <summary>
    /// Rows the poller drops are deleted from the table, unless a row held now is saved under the same key: a row
    /// collected and back before the save, or a stale row replaced by a new one (here under another key, as a multi-type
    /// miner keys a row whose type was not a string).
    /// </summary>
    [Fact]
    public async Task ARowDroppedAndBackBeforeTheSaveStaysAndAReplacedRowsOldKeyGoes()
    {
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"));
        await store.SaveAsync(poller);
        Poll(poller, 2, Item("A")); // B withdrawn and collected
        Poll(poller, 3, Item("A"), Item("B")); // and back, before the next save
        await store.SaveAsync(poller);
        Assert.Equal(["A", "B"], table.LastChanged);
        Assert.Empty(table.LastDeleted);
        Assert.Equal(["A", "B"], (await table.LoadAsync()).Rows.Keys.Order(StringComparer.Ordinal));

        var typed = Create(multipleTypes: true);
        var typedStore = new MinerStateStore(table = new RecordingTable());
        _ = typed.ApplyPoll(1000, [("A", []), ("B", new JsonObject { ["type"] = 5 })], succeeded: true);
        await typedStore.SaveAsync(typed);
        Assert.Equal(["::B", "IPv4::A"], table.LastChanged); // B's value has no string type
        _ = typed.ApplyPoll(2000, [("A", [])], succeeded: true);
        typed.SuddenDeath();
        _ = typed.AgeOut(2000); // B withdrawn, not collected
        _ = typed.ApplyPoll(3000, [("A", []), ("B", new JsonObject { ["type"] = "IPv4" })], succeeded: true); // a new row for B
        await typedStore.SaveAsync(typed);
        Assert.Equal(["IPv4::A", "IPv4::B"], table.LastChanged);
        Assert.Equal(["::B"], table.LastDeleted);
        Assert.Equal(["IPv4::A", "IPv4::B"], (await table.LoadAsync()).Rows.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnUnreadableSavedRowIsLeftOutAndTheOthersLoad()
    {
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"));
        await new MinerStateStore(table).SaveAsync(poller);
        await table.SaveAsync([KeyValuePair.Create("B", (ReadOnlyMemory<byte>)"""{"i":"B","v":[1]}"""u8.ToArray()), KeyValuePair.Create("Z", (ReadOnlyMemory<byte>)"not json"u8.ToArray())], [], poller.LastRun, poller.LastSuccessfulRun);

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored);

        Assert.Equal(["A"], restored.Rows.Select(static r => r.Indicator));
    }

    [Fact]
    public async Task RowsOfSeveralTypesAreKeyedByTypeAndIndicator()
    {
        var table = new RecordingTable();
        var poller = Create(multipleTypes: true);
        Poll(poller, 1, ("example.com", new JsonObject { ["type"] = "domain" }), ("example.com", new JsonObject { ["type"] = "URL" }));
        await new MinerStateStore(table).SaveAsync(poller);
        Assert.Equal(["URL::example.com", "domain::example.com"], table.LastChanged);

        var restored = Create(multipleTypes: true);
        await new MinerStateStore(table).LoadAsync(restored);
        Assert.Equal(Dump(poller), Dump(restored));
    }

    /// <summary>
    /// A save that fails has marked rows saved that may not be: the store forgets its version, so the miner loads the
    /// table again before its next cycle, and a save after that load writes what the store still lacks.
    /// </summary>
    [Fact]
    public async Task AFailedSaveForgetsTheVersionAndTheNextLoadRewritesWhatWasLost()
    {
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"));
        await store.SaveAsync(poller);
        Assert.NotEqual(-1, store.Version);

        Poll(poller, 2, Item("A"), Item("C"));
        table.FailNext = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(poller));
        Assert.Equal(-1, store.Version);
        Assert.NotEqual(store.Version, await store.ReadVersionAsync());

        // The miner reloads (what the store holds: A and B) and its next poll saves C and deletes B.
        var restored = Create();
        await store.LoadAsync(restored);
        Poll(restored, 3, Item("A"), Item("C"));
        await store.SaveAsync(restored);
        Assert.Equal(["A", "C"], table.LastChanged);
        Assert.Equal(["B"], table.LastDeleted);
        Assert.Equal(["A", "C"], (await table.LoadAsync()).Rows.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>The in-memory table, recording the keys each save wrote and deleted (sorted).</summary>
    private sealed class RecordingTable : IMinerTableStore
    {
        private readonly IMinerTableStore _inner = new MemoryStateStore().MinerTable("g", "n");

        public List<string> LastChanged { get; private set; } = [];

        public List<string> LastDeleted { get; private set; } = [];

        /// <summary>The next save fails before writing anything.</summary>
        public bool FailNext { get; set; }

        public Task<long> ReadVersionAsync() => _inner.ReadVersionAsync();

        public Task<MinerTable> LoadAsync() => _inner.LoadAsync();

        public Task<long> SaveAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> changed, IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("the store went away");
            }

            LastChanged = [.. changed.Select(static c => c.Key).Order(StringComparer.Ordinal)];
            LastDeleted = [.. deleted.Order(StringComparer.Ordinal)];
            return _inner.SaveAsync(changed, deleted, lastRun, lastSuccessfulRun);
        }
    }
}
