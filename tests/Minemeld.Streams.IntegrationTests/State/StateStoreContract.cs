using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.IntegrationTests.State;

/// <summary>
/// The contract of every state store, written once and run against each one (<see cref="RedisStateStoreTests"/>,
/// <see cref="MemoryStateStoreTests"/>), so the in-memory store that <c>minemeld run</c> uses cannot drift from the
/// Redis store the workers share. Each test works under a graph name of its own.
/// </summary>
public abstract class StateStoreContract
{
    private static readonly CancellationToken Token = TestContext.Current.CancellationToken;

    /// <summary>The store under test.</summary>
    protected abstract Task<IStateStore> StoreAsync();

    /// <summary>A second handle on the same state, as another process (or another part of this one) would have.</summary>
    protected abstract Task<IStateStore> OtherHandleAsync();

    private static string Graph() => "contract" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task StoreDescribesItselfAndIsConnected()
    {
        var store = await StoreAsync();
        Assert.True(store.IsConnected);
        Assert.False(string.IsNullOrWhiteSpace(store.Description));
    }

    [Fact]
    public async Task NewFeedIsEmptyAtVersionZero()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var reader = store.FeedReader(graph, new FeedReadOptions(2000, 60));
        Assert.Equal(0, await store.Feed(graph, "feed").CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await reader.GetVersionAsync("feed", Token));
        var snapshot = await reader.OpenSnapshotAsync("feed", withValues: true, Token);
        Assert.Equal((0L, 0L), (snapshot.Version, snapshot.Count));
        Assert.Empty(await snapshot.ReadAsync(0, 100, descending: false, Token));
    }

    [Fact]
    public async Task ApplyCountsAddedAndRemovedAndEveryBatchBumpsTheVersion()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var feed = store.Feed(graph, "feed");
        var reader = (await OtherHandleAsync()).FeedReader(graph, new FeedReadOptions(2000, 60));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        Assert.Equal((2L, 0L), await feed.ApplyAsync([Present("a", 1), Present("b", 2)], null, TestContext.Current.CancellationToken));
        var first = await reader.GetVersionAsync("feed", Token);
        Assert.InRange(first, before, before + 60_000_000); // starts at the clock in µs: a wiped store never reuses an ETag

        // A member already present is not added again (its score moves); removing a non-member removes nothing.
        Assert.Equal((0L, 0L), await feed.ApplyAsync([Present("a", 3), Absent("zzz")], null, TestContext.Current.CancellationToken));
        Assert.Equal(first + 1, await reader.GetVersionAsync("feed", Token));

        Assert.Equal((0L, 0L), await feed.ApplyAsync([], null, TestContext.Current.CancellationToken));
        Assert.Equal(first + 1, await reader.GetVersionAsync("feed", Token));

        Assert.Equal((1L, 1L), await feed.ApplyAsync([Absent("b"), Present("c", 0)], null, TestContext.Current.CancellationToken));
        Assert.Equal(first + 2, await reader.GetVersionAsync("feed", Token));
        Assert.Equal(2, await feed.CountAsync(TestContext.Current.CancellationToken));
        var (count, members) = await feed.ProbeAsync(["a", "b", "x"], TestContext.Current.CancellationToken);
        Assert.Equal(2, count);
        Assert.Equal(["a"], members.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SnapshotsOrderByScoreThenByMemberBytes()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var feed = store.Feed(graph, "feed");
        // Ties order by UTF-8 bytes, as Redis orders them: U+FF5E (EF BD 9E) before U+1F600 (F0 9F 98 80), although
        // its UTF-16 code unit (FF5E) is above the surrogate D83D.
        await feed.ApplyAsync([Present("b", 1), Present("a", 1), Present("c", 0.5), Present("\uFF5E", 2), Present("\U0001F600", 2), Present("z", 2), Present("moved", 9)], null, TestContext.Current.CancellationToken);
        await feed.ApplyAsync([Present("moved", -1)], null, TestContext.Current.CancellationToken);
        string[] ascending = ["moved", "c", "a", "b", "z", "\uFF5E", "\U0001F600"];

        foreach (var limit in new[] { 2000, 2 })
        {
            // Both paths of a reader: read whole (small feed) and paged from a copy of the version (large feed).
            var snapshot = await store.FeedReader(graph, new FeedReadOptions(limit, 60)).OpenSnapshotAsync("feed", withValues: false, Token);
            Assert.Equal(ascending.Length, snapshot.Count);
            Assert.Equal(ascending, (await snapshot.ReadAsync(0, 100, descending: false, Token)).Select(static e => e.Indicator));
            Assert.Equal(ascending.Reverse(), (await snapshot.ReadAsync(0, 100, descending: true, Token)).Select(static e => e.Indicator));
            Assert.Equal(ascending[2..5], (await snapshot.ReadAsync(2, 3, descending: false, Token)).Select(static e => e.Indicator));
            Assert.Equal(["z", "b"], (await snapshot.ReadAsync(2, 2, descending: true, Token)).Select(static e => e.Indicator));
            Assert.Empty(await snapshot.ReadAsync(7, 5, descending: false, Token));
        }
    }

    /// <summary>
    /// Reading in change order (TAXII's added_after paging) against a model of the feed: members and tombstones merged
    /// in (score, member bytes) order; paging with any page size while the feed changes between pages returns every
    /// entry that did not change exactly once, and a changed entry again only after it changed; a member that comes
    /// back loses its tombstone; values only for members.
    /// </summary>
    [Fact]
    public async Task ChangeOrderReadsPageOverAChangingFeedWithoutRepeatsOrGaps()
    {
        var store = await StoreAsync();
        var random = new Random(11);
        for (var round = 0; round < 6; round++)
        {
            var graph = Graph();
            var feed = store.Feed(graph, "feed");
            var reader = store.FeedReader(graph, new FeedReadOptions(2000, 60));
            var live = new Dictionary<string, double>(StringComparer.Ordinal);
            var everGone = new HashSet<string>(StringComparer.Ordinal);
            double clock = 1_000;
            async Task ChangeAsync(int count)
            {
                var changes = new List<FeedChange>();
                foreach (var i in Enumerable.Range(0, count).Select(_ => random.Next(300)).Distinct())
                {
                    var indicator = $"10.0.{i / 256}.{i % 256}";
                    if (live.ContainsKey(indicator) && random.Next(3) == 0)
                    {
                        changes.Add(new FeedChange(indicator, false, 0, null));
                        live.Remove(indicator);
                        everGone.Add(indicator);
                    }
                    else
                    {
                        var score = clock + random.Next(3); // ties on purpose
                        changes.Add(new FeedChange(indicator, true, score, $$"""{"n":{{i}}}"""));
                        live[indicator] = score;
                    }
                }

                clock += 10;
                await feed.ApplyAsync(changes, null, TestContext.Current.CancellationToken);
            }

            await ChangeAsync(200);
            var limit = random.Next(1, 40);
            var seen = new List<AddedFeedEntry>();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            var position = FeedPosition.Start;
            var stable = live.Keys.ToHashSet(StringComparer.Ordinal);
            while (true)
            {
                var page = await reader.ReadAddedAsync("feed", position, limit, withValues: true, Token);
                Assert.True(page.Entries.Count <= limit);
                seen.AddRange(page.Entries);
                if (page.Entries.Count > 0)
                {
                    position = new FeedPosition(page.Entries[^1].Score, page.Entries[^1].Indicator);
                }

                if (!page.More)
                {
                    break;
                }

                // The feed changes between pages; whatever a change touches is no longer "stable".
                var before = live.ToDictionary(StringComparer.Ordinal);
                await ChangeAsync(random.Next(0, 12));
                touched.UnionWith(before.Keys.Where(k => !live.TryGetValue(k, out var score) || score != before[k]));
                touched.UnionWith(live.Keys.Where(k => !before.ContainsKey(k)));
            }

            // Order: (score, member bytes), never backwards.
            for (var i = 1; i < seen.Count; i++)
            {
                var (a, b) = (seen[i - 1], seen[i]);
                Assert.True(a.Score < b.Score || (a.Score == b.Score && string.CompareOrdinal(a.Indicator, b.Indicator) < 0), $"{a} then {b}");
            }

            // Every member that no change touched came exactly once, as a member with its value.
            foreach (var indicator in stable.Where(i => !touched.Contains(i)))
            {
                var entry = Assert.Single(seen, e => e.Indicator == indicator);
                Assert.False(entry.Withdrawn);
                Assert.Equal(live[indicator], entry.Score);
                Assert.StartsWith("{\"n\":", entry.Value, StringComparison.Ordinal);
            }

            Assert.All(seen.Where(static e => e.Withdrawn), e => Assert.Contains(e.Indicator, everGone));
            Assert.All(seen.Where(static e => e.Withdrawn), static e => Assert.Null(e.Value));

            // A full read now is exactly the model: members, and tombstones of those gone and not back.
            var all = await reader.ReadAddedAsync("feed", FeedPosition.Start, 100_000, withValues: false, Token);
            Assert.False(all.More);
            Assert.Equal(live.Keys.Order(StringComparer.Ordinal), all.Entries.Where(static e => !e.Withdrawn).Select(static e => e.Indicator).Order(StringComparer.Ordinal));
            Assert.Equal(everGone.Where(g => !live.ContainsKey(g)).Order(StringComparer.Ordinal), all.Entries.Where(static e => e.Withdrawn).Select(static e => e.Indicator).Order(StringComparer.Ordinal));
            var cut = all.Entries.Count / 2;
            if (cut > 0)
            {
                // added_after: strictly after a score.
                var after = await reader.ReadAddedAsync("feed", new FeedPosition(all.Entries[cut].Score, null), 100_000, withValues: false, Token);
                Assert.Equal(all.Entries.Where(e => e.Score > all.Entries[cut].Score), after.Entries);
            }
        }

        // No tombstones when the retention is zero.
        var plain = Graph();
        await store.Feed(plain, "feed").ApplyAsync([Present("a", 1), Present("b", 2)], null, TestContext.Current.CancellationToken);
        await store.Feed(plain, "feed").ApplyAsync([new FeedChange("a", false, 0, null)], TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.Equal(["b"], (await store.FeedReader(plain, new FeedReadOptions(2000, 60)).ReadAddedAsync("feed", FeedPosition.Start, 10, false, Token)).Entries.Select(static e => e.Indicator));
    }

    [Fact]
    public async Task ValuesGoWithTheirMembers()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var feed = store.Feed(graph, "feed");
        var reader = store.FeedReader(graph, new FeedReadOptions(2000, 60));
        async Task<Dictionary<string, string?>> ReadAsync(bool withValues) =>
            (await (await reader.OpenSnapshotAsync("feed", withValues, Token)).ReadAsync(0, 100, false, Token)).ToDictionary(static e => e.Indicator, static e => e.Value);

        await feed.ApplyAsync([Present("a", 1, """{"n":1}"""), Present("b", 2, """{"n":2}""")], null, TestContext.Current.CancellationToken);
        // Present again without a value keeps the stored one (the node keeps no values for this batch).
        await feed.ApplyAsync([Present("a", 3)], null, TestContext.Current.CancellationToken);
        Assert.Equal(new Dictionary<string, string?> { ["a"] = """{"n":1}""", ["b"] = """{"n":2}""" }, await ReadAsync(withValues: true));
        Assert.Equal(new Dictionary<string, string?> { ["a"] = null, ["b"] = null }, await ReadAsync(withValues: false));

        // A withdrawn member loses its value: re-added without one, it has none.
        await feed.ApplyAsync([Absent("b")], null, TestContext.Current.CancellationToken);
        await feed.ApplyAsync([Present("b", 4)], null, TestContext.Current.CancellationToken);
        Assert.Equal(new Dictionary<string, string?> { ["a"] = """{"n":1}""", ["b"] = null }, await ReadAsync(withValues: true));
    }

    [Fact]
    public async Task ASnapshotKeepsItsVersionWhileTheFeedChanges()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var feed = store.Feed(graph, "feed");
        await feed.ApplyAsync([.. Enumerable.Range(0, 5).Select(i => Present($"m{i}", i, $"{{\"i\":{i}}}"))], null, TestContext.Current.CancellationToken);
        foreach (var limit in new[] { 2000, 2 })
        {
            var reader = (await OtherHandleAsync()).FeedReader(graph, new FeedReadOptions(limit, 60));
            var snapshot = await reader.OpenSnapshotAsync("feed", withValues: true, Token);
            var version = snapshot.Version;
            var firstPage = await snapshot.ReadAsync(0, 2, descending: false, Token);

            await feed.ApplyAsync([Absent("m3"), Absent("m4"), Present("new", 0.5, "{}")], null, TestContext.Current.CancellationToken);
            var rest = await snapshot.ReadAsync(2, 10, descending: false, Token);
            Assert.Equal(["m0", "m1", "m2", "m3", "m4"], firstPage.Concat(rest).Select(static e => e.Indicator));
            Assert.Equal("""{"i":4}""", rest[^1].Value);
            Assert.Equal(version, snapshot.Version);

            var current = await reader.OpenSnapshotAsync("feed", withValues: true, Token);
            Assert.True(current.Version > version);
            Assert.Equal(["m0", "new", "m1", "m2"], (await current.ReadAsync(0, 10, descending: false, Token)).Select(static e => e.Indicator));
            await feed.ApplyAsync([Present("m3", 3, """{"i":3}"""), Present("m4", 4, """{"i":4}"""), Absent("new")], null, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task MinerTablesSaveOnlyWhatTheyAreGivenAndCountVersions()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var table = store.MinerTable(graph, "miner");
        Assert.Equal(0, await table.ReadVersionAsync(TestContext.Current.CancellationToken));
        var empty = await table.LoadAsync(TestContext.Current.CancellationToken);
        Assert.Equal((0, (long?)null, (long?)null, 0L), (empty.Fields.Count, empty.LastRun, empty.LastSuccessfulRun, empty.Version));

        // Fields written in slices stay invisible to the version until the save commits.
        await table.WriteAsync([Row("k1", "r1")], TestContext.Current.CancellationToken);
        await table.WriteAsync([Row("k2", "r2")], TestContext.Current.CancellationToken);
        Assert.Equal(0, await table.ReadVersionAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, await table.CommitAsync([], 100, 90, null, TestContext.Current.CancellationToken));
        var other = (await OtherHandleAsync()).MinerTable(graph, "miner");
        Assert.Equal(1, await other.ReadVersionAsync(TestContext.Current.CancellationToken));
        var loaded = await other.LoadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "r1", ["k2"] = "r2" }, Text(loaded.Fields));
        Assert.Equal((100L, 90L, 1L), (loaded.LastRun, loaded.LastSuccessfulRun, loaded.Version));

        // A failed poll records last_run only; last_successful_run stays.
        await other.WriteAsync([Row("k1", "r1b")], TestContext.Current.CancellationToken);
        Assert.Equal(2, await other.CommitAsync(["k2"], 200, null, null, TestContext.Current.CancellationToken));
        loaded = await table.LoadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "r1b" }, Text(loaded.Fields));
        Assert.Equal((200L, 90L, 2L), (loaded.LastRun, loaded.LastSuccessfulRun, loaded.Version));
        Assert.Null(loaded.Cursor);

        // An incremental source's cursor is saved with the table and kept by a save that brings none.
        Assert.Equal(3, await other.CommitAsync([], 300, 300, "2026-12-07T06:00:00Z", TestContext.Current.CancellationToken));
        Assert.Equal("2026-12-07T06:00:00Z", (await table.LoadAsync(TestContext.Current.CancellationToken)).Cursor);
        Assert.Equal(4, await table.CommitAsync([], 400, 400, null, TestContext.Current.CancellationToken));
        Assert.Equal("2026-12-07T06:00:00Z", (await other.LoadAsync(TestContext.Current.CancellationToken)).Cursor);
        Assert.Equal(0, await store.MinerTable(graph, "another").ReadVersionAsync(TestContext.Current.CancellationToken));
    }

    private static KeyValuePair<string, ReadOnlyMemory<byte>> Row(string key, string json) => KeyValuePair.Create(key, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(json));

    private static Dictionary<string, string> Text(IReadOnlyDictionary<string, byte[]> rows) =>
        rows.ToDictionary(static r => r.Key, static r => System.Text.Encoding.UTF8.GetString(r.Value), StringComparer.Ordinal);

    [Fact]
    public async Task LeaseIsExclusiveUntilItExpires()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var lease = store.MinerLease(graph, "miner");
        var other = (await OtherHandleAsync()).MinerLease(graph, "miner");
        var ttl = TimeSpan.FromMilliseconds(500);

        Assert.True(await lease.TryAcquireAsync("a", ttl, TestContext.Current.CancellationToken));
        Assert.False(await other.TryAcquireAsync("b", ttl, TestContext.Current.CancellationToken));
        Assert.True(await other.TryAcquireAsync("a", ttl, TestContext.Current.CancellationToken));
        Assert.True(await other.IsHeldByAsync("a", TestContext.Current.CancellationToken));
        Assert.False(await lease.IsHeldByAsync("b", TestContext.Current.CancellationToken));
        Assert.True(await store.MinerLease(graph, "another").TryAcquireAsync("b", ttl, TestContext.Current.CancellationToken));

        await PipelineEventually(async () => await other.TryAcquireAsync("b", ttl, TestContext.Current.CancellationToken), "the lease to expire and pass to b");
        Assert.False(await lease.IsHeldByAsync("a", TestContext.Current.CancellationToken));
        Assert.True(await lease.IsHeldByAsync("b", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RecordsAreWrittenDeletedAndReplacedAsAWhole()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var rows = store.AggregatorRows(graph, "agg");
        Assert.Equal([null], await rows.GetAsync(["a"], TestContext.Current.CancellationToken));
        Assert.Empty(await rows.GetAsync([], TestContext.Current.CancellationToken));

        await rows.WriteAsync([RecordText.Entry("a", "1"), RecordText.Entry("b", "2")], [], TestContext.Current.CancellationToken);
        await rows.WriteAsync([RecordText.Entry("c", "3")], ["a", "nothing"], TestContext.Current.CancellationToken);
        Assert.Equal([null, "2", "3"], (await rows.GetAsync(["a", "b", "c"], TestContext.Current.CancellationToken)).Select(static v => RecordText.Of(v)));
        Assert.Equal(["b=2", "c=3"], await AllAsync(rows));

        // Values are bytes: UTF-8 beyond ASCII reads back byte for byte, from one record and from all.
        var utf8 = "{\"ü\":[1]}"u8.ToArray();
        await rows.WriteAsync([KeyValuePair.Create("u", (ReadOnlyMemory<byte>)utf8)], ["c"], TestContext.Current.CancellationToken);
        Assert.Equal(["b=2", "u={\"ü\":[1]}"], await AllAsync(rows));
        Assert.Equal(utf8, (await rows.GetAsync(["u"], TestContext.Current.CancellationToken))[0]);
        Assert.Equal(utf8, (await rows.GetAllAsync(TestContext.Current.CancellationToken)).Single(static r => r.Key == "u").Value.ToArray());
        await rows.WriteAsync([RecordText.Entry("c", "3")], ["u"], TestContext.Current.CancellationToken);

        // Rows of address blocks, plain rows and local lists are separate sets.
        var block = store.AggregatorRows(graph, "agg", "10.0.0.0/16");
        await block.WriteAsync([RecordText.Entry("b", "block")], [], TestContext.Current.CancellationToken);
        Assert.Equal(["b=2", "c=3"], await AllAsync((await OtherHandleAsync()).AggregatorRows(graph, "agg")));
        Assert.Equal(["b=block"], await AllAsync(store.AggregatorRows(graph, "agg", "10.0.0.0/16")));
        Assert.Empty(await AllAsync(store.LocalList(graph, "agg")));

        await rows.ReplaceAllAsync([RecordText.Entry("d", "4")], TestContext.Current.CancellationToken);
        Assert.Equal(["d=4"], await AllAsync(rows));
        Assert.Equal(1, await rows.DeleteAsync(["d", "missing"], TestContext.Current.CancellationToken));
        Assert.Empty(await AllAsync(rows));

        // A replace larger than one write slice is still one step.
        await rows.ReplaceAllAsync([.. Enumerable.Range(0, 25_000).Select(static i => RecordText.Entry($"k{i}", "v"))], TestContext.Current.CancellationToken);
        Assert.Equal(25_000, (await rows.GetAllAsync(TestContext.Current.CancellationToken)).Count);
        await rows.ReplaceAllAsync([], TestContext.Current.CancellationToken);
        Assert.Empty(await rows.GetAllAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DeleteIfUnchangedSparesRecordsRewrittenMeanwhile()
    {
        var store = await StoreAsync();
        var list = store.LocalList(Graph(), "list");
        await list.WriteAsync([RecordText.Entry("e", "1"), RecordText.Entry("f", "1")], [], TestContext.Current.CancellationToken);
        var read = await list.GetAllAsync(TestContext.Current.CancellationToken);
        await list.WriteAsync([RecordText.Entry("f", "2")], [], TestContext.Current.CancellationToken);

        Assert.Equal(1, await list.DeleteIfUnchangedAsync(read, TestContext.Current.CancellationToken));
        Assert.Equal(["f=2"], await AllAsync(list));
        Assert.Equal(0, await list.DeleteIfUnchangedAsync([], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task HupReachesTheSubscribersOfThatNodeOnly()
    {
        var store = await StoreAsync();
        var other = await OtherHandleAsync();
        var graph = Graph();
        var first = 0;
        var second = 0;
        var subscription = await store.Hup.SubscribeAsync(graph, "n1", () => Interlocked.Increment(ref first), TestContext.Current.CancellationToken);
        await using var unrelated = await store.Hup.SubscribeAsync(graph, "n2", () => Interlocked.Increment(ref second), TestContext.Current.CancellationToken);

        await other.Hup.PublishAsync(graph, "n1", TestContext.Current.CancellationToken);
        await PipelineEventually(() => Task.FromResult(Volatile.Read(ref first) == 1), "the HUP of n1");
        await subscription.DisposeAsync();
        await other.Hup.PublishAsync(graph, "n1", TestContext.Current.CancellationToken);
        await other.Hup.PublishAsync(Graph(), "n2", TestContext.Current.CancellationToken);

        // Pub/sub gives no "nothing arrived" signal: a HUP sent after the ones above arriving proves they were not delivered.
        var marker = 0;
        await using var probe = await store.Hup.SubscribeAsync(graph, "probe", () => Interlocked.Increment(ref marker), TestContext.Current.CancellationToken);
        await other.Hup.PublishAsync(graph, "probe", TestContext.Current.CancellationToken);
        await PipelineEventually(() => Task.FromResult(Volatile.Read(ref marker) == 1), "the probe HUP");
        Assert.Equal((1, 0), (Volatile.Read(ref first), Volatile.Read(ref second)));
    }

    [Fact]
    public async Task StatusIsKeptPerNodeAndInstance()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var statuses = store.Status(graph);
        var status = new JsonObject { ["state"] = 5, ["statistics"] = new JsonObject { ["added"] = 3 } };
        await statuses.WriteAsync("node", "one", new NodeStatusRecord("minemeld.ft.redis.RedisSet", "output", status), TestContext.Current.CancellationToken);
        status["state"] = 8; // the caller's object is not the stored one
        await statuses.WriteAsync("node", "two", new NodeStatusRecord("minemeld.ft.redis.RedisSet", "output", new JsonObject { ["state"] = 4 }), TestContext.Current.CancellationToken);

        var read = await (await OtherHandleAsync()).Status(graph).ReadAsync("node", "one", TestContext.Current.CancellationToken);
        Assert.Equal(("minemeld.ft.redis.RedisSet", "output", 5, 3), (read!.ClassName, read.Kind, read.Status["state"]!.GetValue<int>(), read.Status["statistics"]!["added"]!.GetValue<int>()));
        Assert.Null(await statuses.ReadAsync("node", "three", TestContext.Current.CancellationToken));
        Assert.Null(await statuses.ReadAsync("other", "one", TestContext.Current.CancellationToken));
        Assert.Equal([4, 5], (await statuses.ReadAllAsync("node", TestContext.Current.CancellationToken)).Select(static s => s.Status["state"]!.GetValue<int>()).Order());
        Assert.Empty(await statuses.ReadAllAsync("other", TestContext.Current.CancellationToken));

        await statuses.WriteAsync("node", "one", new NodeStatusRecord("minemeld.ft.redis.RedisSet", "output", new JsonObject { ["state"] = 8 }), TestContext.Current.CancellationToken);
        Assert.Equal([4, 8], (await statuses.ReadAllAsync("node", TestContext.Current.CancellationToken)).Select(static s => s.Status["state"]!.GetValue<int>()).Order());
    }

    [Fact]
    public async Task AccessStoreKeepsUsersOfEachKindAndFeedTags()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var access = store.Access(graph);
        var attributes = new JsonObject { ["tags"] = new JsonArray("premium") };
        await access.SetUserAsync(UserKind.Feeds, "alice", new UserRecord("h1", attributes, "file"), Token);
        attributes["tags"] = new JsonArray("changed"); // the caller's object is not the stored one
        await access.SetUserAsync(UserKind.Api, "admin", new UserRecord("h2", [], "api"), Token);
        await access.SetFeedAsync("feed", new JsonObject { ["tags"] = new JsonArray("premium", "base") }, Token);

        var snapshot = await (await OtherHandleAsync()).Access(graph).LoadAsync(Token);
        Assert.Equal(["alice"], snapshot.FeedUsers.Keys);
        Assert.Equal(["admin"], snapshot.AdminUsers.Keys);
        Assert.Equal(("h1", "file", "premium"), (snapshot.FeedUsers["alice"].Hash, snapshot.FeedUsers["alice"].Origin, string.Join(',', snapshot.FeedUsers["alice"].Tags)));
        Assert.Equal(["premium", "base"], AccessSnapshot.TagsOf(snapshot.Feeds["feed"]));

        // A rehash applies only over the hash it replaces (a password change meanwhile wins).
        Assert.False(await access.ReplaceHashAsync(UserKind.Feeds, "alice", "stale", "h3", Token));
        Assert.False(await access.ReplaceHashAsync(UserKind.Api, "alice", "h1", "h3", Token));
        Assert.True(await access.ReplaceHashAsync(UserKind.Feeds, "alice", "h1", "h3", Token));
        Assert.False(await access.ReplaceHashAsync(UserKind.Feeds, "nobody", "h1", "h3", Token));
        snapshot = await access.LoadAsync(Token);
        Assert.Equal(("h3", "premium"), (snapshot.FeedUsers["alice"].Hash, string.Join(',', snapshot.FeedUsers["alice"].Tags)));

        Assert.True(await access.DeleteUserAsync(UserKind.Feeds, "alice", Token));
        Assert.False(await access.DeleteUserAsync(UserKind.Feeds, "alice", Token));
        Assert.True(await access.DeleteFeedAsync("feed", Token));
        Assert.False(await access.DeleteFeedAsync("feed", Token));
        snapshot = await access.LoadAsync(Token);
        Assert.Equal((0, 1, 0), (snapshot.FeedUsers.Count, snapshot.AdminUsers.Count, snapshot.Feeds.Count));
    }

    [Fact]
    public async Task LocalListsValidateAllOrNothingExpireEntriesAndSignalTheirMiner()
    {
        var store = await StoreAsync();
        var graph = Graph();
        var hups = 0;
        await using var subscription = await store.Hup.SubscribeAsync(graph, "list", () => Interlocked.Increment(ref hups), TestContext.Current.CancellationToken);
        var list = new LocalListStore(await OtherHandleAsync(), graph, "list", "IPv4");

        await list.UpsertAsync([("192.0.2.1", new JsonObject { ["comment"] = "keep" }), ("192.0.2.0/24", [])], replaceAll: false, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<InvalidListEntriesException>(() => list.UpsertAsync([("192.0.2.9", []), ("not-an-ip", [])], replaceAll: true, TestContext.Current.CancellationToken));
        Assert.Contains("not-an-ip", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, "not-an-ip"), Assert.Single(error.Errors) is var refused ? (refused.Entry, refused.Indicator) : default);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(["192.0.2.0/24", "192.0.2.1"], (await list.ReadAsync(now, TestContext.Current.CancellationToken)).Select(static e => e.Indicator).Order(StringComparer.Ordinal));

        await list.UpsertAsync([("198.51.100.1", new JsonObject { [LocalListStore.ExpiresAt] = now - 1 }), ("198.51.100.2", new JsonObject { [LocalListStore.ExpiresAt] = now + 60_000 })], replaceAll: true, TestContext.Current.CancellationToken);
        var live = await list.ReadEntriesAsync(now, TestContext.Current.CancellationToken);
        var entry = Assert.Single(live);
        Assert.Equal(("198.51.100.2", now + 60_000), (entry.Indicator, entry.ExpiresAt));
        Assert.False(entry.Attributes.ContainsKey(LocalListStore.ExpiresAt));
        Assert.Single(await store.LocalList(graph, "list").GetAllAsync(TestContext.Current.CancellationToken)); // the expired entry was deleted on the way

        Assert.Equal(1, await list.RemoveAsync(["198.51.100.2", "203.0.113.1"], TestContext.Current.CancellationToken));
        await PipelineEventually(() => Task.FromResult(Volatile.Read(ref hups) == 3), "one HUP per applied edit");
    }

    private static FeedChange Present(string indicator, double score, string? value = null) => new(indicator, true, score, value);

    private static FeedChange Absent(string indicator) => new(indicator, false, 0, null);

    private static async Task<string[]> AllAsync(IRecordStore records) =>
        [.. (await records.GetAllAsync(TestContext.Current.CancellationToken)).Select(static r => $"{r.Key}={RecordText.Of(r.Value)}").Order(StringComparer.Ordinal)];

    private static Task PipelineEventually(Func<Task<bool>> condition, string what) =>
        Pipeline.PipelineHarness.EventuallyAsync(condition, what, TimeSpan.FromSeconds(10));
}
