using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// A miner publishes a cycle, waits for the acks and only then saves its table. A crash in between (the fault
/// bench's kill -9 found it) leaves downstream nodes holding what the table does not say, and nothing replays a miner:
/// the next holder diffs its next version against the saved table, so an indicator the lost cycle changed and the
/// next version has as the table does was never published again (a withdraw the feed kept, an add it never lost).
/// The journal closes that: each slice's indicators are written before the slice is produced, and whoever loads a
/// table with a journal publishes those indicators' state again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MinerJournalTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task AfterCyclesThatPublishedWithoutSavingTheTopicStillFoldsToTheLastVersion()
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "journal", "{prototype: stdlib.listIPv4Generic, output: true}");
        var store = new CrashingStateStore(new RedisStateStore(graph.Connection));
        var random = new Random(20261206);
        var universe = Enumerable.Range(1, 60).Select(static i => $"198.51.100.{i}").ToArray();
        var version = new List<string>();
        var published = 0L;
        var crashes = 0;
        MinerNode? miner = null;
        for (var round = 0; round < 15; round++)
        {
            // A version that keeps about half of the previous one: many indicators are as two versions ago.
            version = [.. universe.Where(_ => random.Next(2) == 0)];
            miner ??= new MinerNode(graph.Node, graph.Name, graph.Topic, store, graph.Harness.Publisher, TimeProvider.System, new MinerRunOptions());
            await miner.List!.UpsertAsync([.. version.Select(static i => (i, new JsonObject()))], replaceAll: true, TestContext.Current.CancellationToken);
            store.Next = (round % 3) switch
            {
                1 => Crash.BeforeWrite,
                2 when round < 14 => Crash.BeforeCommit,
                _ => Crash.None,
            };
            if (store.Next == Crash.None)
            {
                Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
                Assert.Equal("SUCCESS", miner.SubState);
                continue;
            }

            // Published and acknowledged, then the save fails half-way: the process is gone; the next round's miner is
            // a new one that loads what was saved.
            await Assert.ThrowsAsync<InvalidOperationException>(() => miner.PollAsync(TestContext.Current.CancellationToken));
            published += miner.Poller.Counters.UpdateTx + miner.Poller.Counters.WithdrawTx;
            crashes++;
            miner.Dispose();
            miner = null;
        }

        published += miner!.Poller.Counters.UpdateTx + miner.Poller.Counters.WithdrawTx;
        miner.Dispose();
        Assert.Equal(9, crashes);

        var messages = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: (int)published);
        Assert.Equal(published, messages.Count);
        var live = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            _ = message.Op == MessageOp.Update ? live.Add(message.Indicator) : live.Remove(message.Indicator);
        }

        Assert.Equal(version.Order(StringComparer.Ordinal), live);

        // The last save emptied the journal.
        Assert.Empty((await store.MinerTable(graph.Name, "miner").LoadAsync(TestContext.Current.CancellationToken)).Journal);
    }

    private enum Crash
    {
        None,
        BeforeWrite,
        BeforeCommit,
    }

    /// <summary>Redis, with a miner save that fails once where <see cref="Next"/> says (what a kill -9 there leaves).</summary>
    private sealed class CrashingStateStore(IStateStore inner) : IStateStore
    {
        public Crash Next { get; set; }

        public string Description => inner.Description;

        public bool IsConnected => inner.IsConnected;

        public IHupChannel Hup => inner.Hup;

        public IFeedStore Feed(string graph, string node) => inner.Feed(graph, node);

        public IFeedReadStore FeedReader(string graph, FeedReadOptions options) => inner.FeedReader(graph, options);

        public IMinerTableStore MinerTable(string graph, string node) => new CrashingTable(inner.MinerTable(graph, node), this);

        public IMinerLease MinerLease(string graph, string node) => inner.MinerLease(graph, node);

        public IRecordStore AggregatorRows(string graph, string node, string? block = null) => inner.AggregatorRows(graph, node, block);

        public IRecordStore LocalList(string graph, string node) => inner.LocalList(graph, node);

        public INodeStatusStore Status(string graph) => inner.Status(graph);

        public IAccessStore Access(string graph) => inner.Access(graph);

        public IRecordStore CommittedGraph(string graph) => inner.CommittedGraph(graph);

        public IRecordStore NodeCommands(string graph) => inner.NodeCommands(graph);

        public IRecordStore ListStamps(string graph) => inner.ListStamps(graph);

        public IRecordStore ConsoleSessions(string graph) => inner.ConsoleSessions(graph);

        public Task<long> DeleteNodeStateAsync(string graph, string node, bool keepList, CancellationToken cancellationToken) => inner.DeleteNodeStateAsync(graph, node, keepList, cancellationToken);
    }

    private sealed class CrashingTable(IMinerTableStore inner, CrashingStateStore store) : IMinerTableStore
    {
        public Task<long> ReadVersionAsync(CancellationToken cancellationToken) => inner.ReadVersionAsync(cancellationToken);

        public Task<MinerTable> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

        public Task JournalAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken) => inner.JournalAsync(entry, cancellationToken);

        public Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields, CancellationToken cancellationToken)
        {
            if (store.Next == Crash.BeforeWrite)
            {
                store.Next = Crash.None;
                throw new InvalidOperationException("killed before the table was written");
            }

            return inner.WriteAsync(fields, cancellationToken);
        }

        public Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun, string? cursor, CancellationToken cancellationToken)
        {
            if (store.Next != Crash.None)
            {
                store.Next = Crash.None;
                throw new InvalidOperationException("killed after the table's buckets were written, before the save ended");
            }

            return inner.CommitAsync(deleted, lastRun, lastSuccessfulRun, cursor, cancellationToken);
        }
    }
}
