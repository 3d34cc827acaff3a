using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>
/// A miner's table saved and loaded through <see cref="MinerStateStore"/>: what a restarted or taking-over replica
/// finds, that a save writes only the buckets holding a row that changed since the last save or load, and that a
/// table that is not in clean buckets (an earlier layout, damage) loads as far as it can and is put right by the next save.
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

    private static string Field(string indicator) => MinerStateStore.FieldOf(MinerStateStore.BucketOf(indicator));

    /// <summary>Indicators 10.0.0.x: the first two that share a bucket, and one in a bucket of its own among them.</summary>
    private static (string, string, string) TwoInABucketAndOneApart()
    {
        var first = new Dictionary<int, string>();
        for (var i = 0; ; i++)
        {
            var indicator = $"10.0.{i / 256}.{i % 256}";
            if (first.TryGetValue(MinerStateStore.BucketOf(indicator), out var other))
            {
                var apart = first.Values.First(v => MinerStateStore.BucketOf(v) != MinerStateStore.BucketOf(indicator));
                return (other, indicator, apart);
            }

            first[MinerStateStore.BucketOf(indicator)] = indicator;
        }
    }

    [Fact]
    public void BucketsAreTheXxHashOfTheIndicatorAndSpreadEvenly()
    {
        // Pinned to xxHash32's published values (seed 0): a table saved by one version is read by the next.
        Assert.Equal((int)(0x550D7456u % MinerStateStore.Buckets), MinerStateStore.BucketOf("a"));
        Assert.Equal((int)(0x32D153FFu % MinerStateStore.Buckets), MinerStateStore.BucketOf("abc"));
        var counts = new int[MinerStateStore.Buckets];
        for (var i = 0; i < 1 << 20; i++)
        {
            counts[MinerStateStore.BucketOf($"{i >> 16}.{(i >> 8) & 255}.{i & 255}.1")]++;
        }

        Assert.InRange(counts.Min(), 128, 256); // 256 on average
        Assert.InRange(counts.Max(), 256, 400);
    }

    [Fact]
    public async Task ALoadedTableIsTheSavedOneAndAPollOfTheSameItemsPublishesNothing()
    {
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, Item("10.0.0.1", "x"), Item("10.0.0.2"), Item("10.0.0.3"));
        Poll(poller, 2, Item("10.0.0.1", "x"), Item("10.0.0.2"));
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);

        Assert.Equal(Dump(poller), Dump(restored));
        Assert.Equal((poller.LastRun, poller.LastSuccessfulRun), (restored.LastRun, restored.LastSuccessfulRun));
        Assert.Contains("\"_raw\":\"line\"", Dump(restored), StringComparison.Ordinal); // private keys are state, kept
        Assert.Empty(restored.ApplyPoll(3000, [Item("10.0.0.1", "x"), Item("10.0.0.2")], succeeded: true));
    }

    [Fact]
    public async Task ASaveWritesOnlyWhatChangedSinceTheLastSaveOrLoadAndDeletesABucketLeftEmpty()
    {
        Assert.Equal(3, new[] { "A", "B", "C" }.Select(MinerStateStore.BucketOf).Distinct().Count());
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"), Item("C"));
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(["A", "B", "C"], table.LastChanged);
        Assert.Equal(new[] { Field("A"), Field("B"), Field("C") }.Order(StringComparer.Ordinal), table.LastWritten);

        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Empty(table.LastChanged);
        Assert.Empty(table.LastDeleted);

        // C leaves the feed: withdrawn by sudden death and collected in the same poll; A and B are refreshed.
        Poll(poller, 2, Item("A"), Item("B"));
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(["A", "B"], table.LastChanged);
        Assert.Equal([Field("C")], table.LastDeleted);
        Assert.Equal(["A", "B"], await table.RowsAsync());

        // A loaded table counts as saved: nothing to write until something changes.
        var reloaded = new MinerStateStore(table);
        var restored = Create();
        await reloaded.LoadAsync(restored, TestContext.Current.CancellationToken);
        await reloaded.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Empty(table.LastChanged);
        Assert.Empty(table.LastDeleted);
    }

    /// <summary>
    /// A change to one row rewrites its bucket, every row of it and nothing else; a row dropped from a bucket that
    /// keeps others is written out of it, not deleted with it.
    /// </summary>
    [Fact]
    public async Task AChangeRewritesItsBucketWithTheRowsItHoldsAndNoOther()
    {
        var (x, y, z) = TwoInABucketAndOneApart();
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item(x), Item(y), Item(z));
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { Field(x), Field(z) }.Order(StringComparer.Ordinal), table.LastWritten);

        _ = poller.ApplyPoll(2000, [Item(x)], succeeded: false); // a failed poll refreshes x alone
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal([Field(x)], table.LastWritten);
        Assert.Equal(new[] { x, y }.Order(StringComparer.Ordinal), table.LastChanged);

        Poll(poller, 3, Item(y), Item(z)); // x withdrawn and collected
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { y, z }.Order(StringComparer.Ordinal), table.LastChanged);
        Assert.Empty(table.LastDeleted);
        Assert.Equal(new[] { y, z }.Order(StringComparer.Ordinal), await table.RowsAsync());

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));
    }

    /// <summary>
    /// Rows the poller drops leave the table, unless a row for the same indicator is held at the save: a row collected
    /// and back before the save, or a stale row replaced by a new one (here under another key, as a multi-type miner
    /// keys a row whose type was not a string).
    /// </summary>
    [Fact]
    public async Task ARowDroppedAndBackBeforeTheSaveStaysAndAReplacedRowGoes()
    {
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"));
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Poll(poller, 2, Item("A")); // B withdrawn and collected
        Poll(poller, 3, Item("A"), Item("B")); // and back, before the next save
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(["A", "B"], table.LastChanged);
        Assert.Empty(table.LastDeleted);
        Assert.Equal(["A", "B"], await table.RowsAsync());

        var typed = Create(multipleTypes: true);
        var typedStore = new MinerStateStore(table = new RecordingTable());
        _ = typed.ApplyPoll(1000, [("A", []), ("B", new JsonObject { ["type"] = 5 })], succeeded: true);
        await typedStore.SaveAsync(typed, TestContext.Current.CancellationToken);
        _ = typed.ApplyPoll(2000, [("A", [])], succeeded: true);
        typed.SuddenDeath();
        _ = typed.AgeOut(2000); // B withdrawn, not collected
        _ = typed.ApplyPoll(3000, [("A", []), ("B", new JsonObject { ["type"] = "IPv4" })], succeeded: true); // a new row for B
        await typedStore.SaveAsync(typed, TestContext.Current.CancellationToken);
        Assert.Equal(["A", "B"], table.LastChanged);
        Assert.Equal(["A", "B"], await table.RowsAsync()); // B's stale row (no string type) is gone

        var restored = Create(multipleTypes: true);
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(typed), Dump(restored));
        Assert.Equal(["IPv4", "IPv4"], restored.Rows.Select(static r => r.Type));
    }

    /// <summary>
    /// Damage is read as far as it goes: a bucket with unreadable elements keeps its readable rows, a row in another
    /// bucket's field is found, text that is not JSON is skipped; the next save writes every row where it belongs and
    /// deletes what is not a clean bucket.
    /// </summary>
    [Fact]
    public async Task ADamagedTableLoadsWhatCanBeReadAndTheNextSavePutsItRight()
    {
        var (x, y, z) = TwoInABucketAndOneApart();
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, Item(x), Item(y), Item(z));
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);
        var rows = await table.RowTextsAsync();
        var others = Enumerable.Range(0, 4).Where(b => b != MinerStateStore.BucketOf(x) && b != MinerStateStore.BucketOf(z)).Select(MinerStateStore.FieldOf).ToArray();
        await table.PlantAsync([
            Bytes(Field(x), $"[{rows[x]}, {{\"i\":\"Q\",\"v\":[1]}}, 7, {{\"v\":{{}}}}]"), // x, and three that are not rows
            Bytes(Field(z), "not json"),
            Bytes(others[0], $"[{rows[z]}]"), // z, in another bucket's field
            Bytes(others[1], $"[{rows[y]}"), // y, in another bucket's field, and the array cut short
        ]);

        var store = new MinerStateStore(table);
        var restored = Create();
        await store.LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));

        await store.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { x, y, z }.Order(StringComparer.Ordinal), table.LastChanged);
        Assert.Equal(new[] { Field(x), Field(z) }.Order(StringComparer.Ordinal), table.LastWritten);
        Assert.Equal(others[..2], table.LastDeleted);
        Assert.Equal(new[] { Field(x), Field(z) }.Order(StringComparer.Ordinal), (await table.LoadAsync(TestContext.Current.CancellationToken)).Fields.Keys.Order(StringComparer.Ordinal));

        // Clean now: the next load marks every row saved.
        var again = new MinerStateStore(table);
        await again.LoadAsync(restored = Create(), TestContext.Current.CancellationToken);
        await again.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Empty(table.LastWritten);
        Assert.Empty(table.LastDeleted);
        Assert.Equal(Dump(poller), Dump(restored));
    }

    /// <summary>Earlier versions saved a row per field, keyed by the row's key: such a table loads, and moves into buckets at the next save.</summary>
    [Fact]
    public async Task ATableSavedARowPerFieldLoadsAndMovesIntoBuckets()
    {
        var poller = Create();
        Poll(poller, 1, Item("10.0.0.1", "x"), Item("10.0.0.2"));
        var saved = new RecordingTable();
        await new MinerStateStore(saved).SaveAsync(poller, TestContext.Current.CancellationToken);
        var rows = await saved.RowTextsAsync();

        var table = new RecordingTable();
        await table.PlantAsync([.. rows.Select(static r => Bytes(r.Key, r.Value))]);
        var store = new MinerStateStore(table);
        var restored = Create();
        await store.LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));

        await store.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], table.LastDeleted);
        Assert.Equal(new[] { Field("10.0.0.1"), Field("10.0.0.2") }.Order(StringComparer.Ordinal), (await table.LoadAsync(TestContext.Current.CancellationToken)).Fields.Keys.Order(StringComparer.Ordinal));
        await store.LoadAsync(restored = Create(), TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));
    }

    /// <summary>
    /// A table written in both layouts (two builds side by side during an upgrade): a row found twice is the one with
    /// the later last run, whichever layout holds it, and the next save leaves that one alone in its bucket.
    /// </summary>
    [Fact]
    public async Task ARowInBothLayoutsIsTheOneWithTheLaterLastRun()
    {
        var older = Create();
        Poll(older, 1, Item("A", "old"), Item("B", "old"));
        var newer = Create();
        Poll(newer, 2, Item("A", "new"), Item("B", "new"));
        var (olderRows, newerRows) = (await TextsOf(older), await TextsOf(newer));

        var table = new RecordingTable();
        await table.PlantAsync([
            Bytes(Field("A"), $"[{olderRows["A"]}]"), Bytes("A", newerRows["A"]), // the newer A in the earlier layout
            Bytes(Field("B"), $"[{newerRows["B"]}]"), Bytes("B", olderRows["B"]), // the newer B in its bucket
        ]);
        var store = new MinerStateStore(table);
        var restored = Create();
        await store.LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(newer), Dump(restored));

        await store.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(["A"], table.LastChanged); // B's bucket already holds the row kept
        Assert.Equal(["A", "B"], table.LastDeleted);
        await new MinerStateStore(table).LoadAsync(restored = Create(), TestContext.Current.CancellationToken);
        Assert.Equal(Dump(newer), Dump(restored));
    }

    private static async Task<Dictionary<string, string>> TextsOf(Poller poller)
    {
        var table = new RecordingTable();
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);
        return await table.RowTextsAsync();
    }

    [Fact]
    public async Task RowsOfSeveralTypesForOneIndicatorShareItsBucket()
    {
        var table = new RecordingTable();
        var poller = Create(multipleTypes: true);
        Poll(poller, 1, ("example.com", new JsonObject { ["type"] = "domain" }), ("example.com", new JsonObject { ["type"] = "URL" }));
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.Equal(["example.com", "example.com"], table.LastChanged);
        Assert.Equal([Field("example.com")], table.LastWritten);

        var restored = Create(multipleTypes: true);
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));
        Assert.Equal(2, restored.Rows.Count);
    }

    /// <summary>A loaded table's rows with equal values share one array, as the poller's rows do; each keeps its own value.</summary>
    [Fact]
    public async Task LoadedRowsWithEqualValuesShareOneArray()
    {
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, [.. Enumerable.Range(0, 40).Select(static i => Item($"10.0.0.{i}"))]);
        Poll(poller, 2, [.. Enumerable.Range(0, 40).Select(static i => Item($"10.0.0.{i}", i == 7 ? "seven" : null))]);
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));
        var arrays = restored.Rows.Select(static r => r.Utf8Value).Distinct(ReferenceEqualityComparer.Instance).Count();
        Assert.InRange(arrays, 2, 3); // the thirty-nine equal values, and the one with a note (between two runs of them at most)
    }

    /// <summary>A large table goes in slices of about a mebibyte, each a whole number of buckets, and comes back whole.</summary>
    [Fact]
    public async Task ALargeTableIsWrittenInSlicesAndLoadsWhole()
    {
        var table = new RecordingTable();
        var poller = Create();
        Poll(poller, 1, [.. Enumerable.Range(0, 30_000).Select(static i => Item($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}", i % 7 == 0 ? "n" : null))]);
        await new MinerStateStore(table).SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.InRange(table.LastSlices.Count, 4, 12); // some 150 bytes a row
        Assert.All(table.LastSlices, static bytes => Assert.InRange(bytes, 1, (1 << 20) + (16 << 10)));
        Assert.Equal(30_000, table.LastChanged.Count);
        Assert.Equal(table.LastWritten.Count, table.LastWritten.Distinct().Count());

        var restored = Create();
        await new MinerStateStore(table).LoadAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(Dump(poller), Dump(restored));
    }

    /// <summary>
    /// A save that fails has marked rows saved that may not be: the store forgets its version, so the miner loads the
    /// table again before its next cycle, and a save after that load writes what the store still lacks.
    /// </summary>
    [Fact]
    public async Task AFailedSaveForgetsTheVersionAndTheNextLoadRewritesWhatWasLost()
    {
        Assert.Equal(3, new[] { "A", "B", "C" }.Select(MinerStateStore.BucketOf).Distinct().Count());
        var table = new RecordingTable();
        var store = new MinerStateStore(table);
        var poller = Create();
        Poll(poller, 1, Item("A"), Item("B"));
        await store.SaveAsync(poller, TestContext.Current.CancellationToken);
        Assert.NotEqual(-1, store.Version);

        Poll(poller, 2, Item("A"), Item("C"));
        table.FailNext = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(poller, TestContext.Current.CancellationToken));
        Assert.Equal(-1, store.Version);
        Assert.NotEqual(store.Version, await store.ReadVersionAsync(TestContext.Current.CancellationToken));

        // The miner reloads (what the store holds: A and B) and its next poll saves C and deletes B.
        var restored = Create();
        await store.LoadAsync(restored, TestContext.Current.CancellationToken);
        Poll(restored, 3, Item("A"), Item("C"));
        await store.SaveAsync(restored, TestContext.Current.CancellationToken);
        Assert.Equal(["A", "C"], table.LastChanged);
        Assert.Equal([Field("B")], table.LastDeleted);
        Assert.Equal(["A", "C"], await table.RowsAsync());
    }

    private static KeyValuePair<string, ReadOnlyMemory<byte>> Bytes(string field, string text) => KeyValuePair.Create(field, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// The in-memory table, recording what each save wrote (its fields, the indicators of the rows in them, the bytes
    /// of each slice) and deleted, sorted.
    /// </summary>
    private sealed class RecordingTable : IMinerTableStore
    {
        private readonly IMinerTableStore _inner = new MemoryStateStore().MinerTable("g", "n");
        private List<string> _written = [];
        private List<string> _changed = [];
        private List<int> _slices = [];

        public List<string> LastWritten { get; private set; } = [];

        public List<string> LastChanged { get; private set; } = [];

        public List<string> LastDeleted { get; private set; } = [];

        public List<int> LastSlices { get; private set; } = [];

        /// <summary>The next save fails before writing anything.</summary>
        public bool FailNext { get; set; }

        public Task<long> ReadVersionAsync(CancellationToken cancellationToken) => _inner.ReadVersionAsync(cancellationToken);

        public Task<MinerTable> LoadAsync(CancellationToken cancellationToken) => _inner.LoadAsync(cancellationToken);

        public Task JournalAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken) => _inner.JournalAsync(entry, cancellationToken);

        public Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("the store went away");
            }

            foreach (var (field, bytes) in fields)
            {
                _written.Add(field);
                _changed.AddRange(Indicators(bytes.ToArray()));
            }

            _slices.Add(fields.Sum(static f => f.Value.Length));
            return _inner.WriteAsync(fields, cancellationToken);
        }

        public Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun, string? cursor, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("the store went away");
            }

            (LastWritten, LastChanged, LastSlices) = ([.. _written.Order(StringComparer.Ordinal)], [.. _changed.Order(StringComparer.Ordinal)], _slices);
            (_written, _changed, _slices) = ([], [], []);
            LastDeleted = [.. deleted.Order(StringComparer.Ordinal)];
            return _inner.CommitAsync(deleted, lastRun, lastSuccessfulRun, cursor, cancellationToken);
        }

        /// <summary>Writes fields as they are, unrecorded (the version moves, the run times stay).</summary>
        public async Task PlantAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields)
        {
            await _inner.WriteAsync(fields, TestContext.Current.CancellationToken);
            _ = await _inner.CommitAsync([], null, null, null, TestContext.Current.CancellationToken);
        }

        /// <summary>The indicators of every row the table holds, sorted.</summary>
        public async Task<List<string>> RowsAsync() => [.. (await RowTextsAsync()).Keys.Order(StringComparer.Ordinal)];

        /// <summary>Each row's JSON text by its indicator (the table's fields hold one row per indicator here).</summary>
        public async Task<Dictionary<string, string>> RowTextsAsync()
        {
            var rows = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var bytes in (await LoadAsync(TestContext.Current.CancellationToken)).Fields.Values)
            {
                foreach (var row in JsonNode.Parse(bytes)!.AsArray())
                {
                    rows.Add((string)row!["i"]!, row.ToJsonString());
                }
            }

            return rows;
        }

        private static IEnumerable<string> Indicators(byte[] bucket) =>
            JsonDocument.Parse(bucket).RootElement.EnumerateArray().Select(static r => r.GetProperty("i").GetString()!);
    }
}
