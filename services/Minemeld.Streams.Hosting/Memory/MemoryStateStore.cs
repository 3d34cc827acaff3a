using System.Collections.Concurrent;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>
/// The state store in this process's memory: what <c>minemeld run</c> uses when no Redis is named. Same contract as
/// the Redis store (one test suite runs against both), but nothing survives the process and no other process sees
/// it, so it is for a whole graph in one process only. Every operation is atomic under a lock per object.
/// </summary>
public sealed class MemoryStateStore(TimeProvider? time = null) : IStateStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, object> _objects = new(StringComparer.Ordinal);

    public string Description => "in memory (kept in this process only, lost at exit)";

    public bool IsConnected => true;

    public IHupChannel Hup { get; } = new MemoryHupChannel();

    public IFeedStore Feed(string graph, string node) => Get(FeedKey(graph, node), () => new MemoryFeed(_time));

    public IFeedReadStore FeedReader(string graph, FeedReadOptions options) => new MemoryFeedReader(this, graph);

    public IMinerTableStore MinerTable(string graph, string node) => Get($"{graph}/{node}/table", static () => new MemoryMinerTableStore());

    public IMinerLease MinerLease(string graph, string node) => Get($"{graph}/{node}/lease", () => new MemoryMinerLease(_time));

    public IRecordStore AggregatorRows(string graph, string node, string? block = null) =>
        Get(block is null ? $"{graph}/{node}/rows" : $"{graph}/{node}/rows/{block}", static () => new MemoryRecordStore());

    public IRecordStore LocalList(string graph, string node) => Get($"{graph}/{node}/list", static () => new MemoryRecordStore());

    public INodeStatusStore Status(string graph) => Get(StatusKey(graph), static () => new MemoryNodeStatusStore());

    public IAccessStore Access(string graph) => Get($"{graph}/access", static () => new MemoryAccessStore());

    public IRecordStore CommittedGraph(string graph) => Get($"{graph}/@committed", static () => new MemoryRecordStore());

    public IRecordStore NodeCommands(string graph) => Get($"{graph}/@commands", static () => new MemoryRecordStore());

    public IRecordStore ListStamps(string graph) => Get($"{graph}/@liststamps", static () => new MemoryRecordStore());

    public IRecordStore ConsoleSessions(string graph) => Get($"{graph}/@sessions", static () => new MemoryRecordStore());

    public Task<long> DeleteNodeStateAsync(string graph, string node, bool keepList, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = $"{graph}/{node}/";
        var list = $"{prefix}list";
        var doomed = _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (!keepList || k != list)).ToList();
        long deleted = doomed.Count(k => _objects.TryRemove(k, out _));
        if (_objects.TryGetValue(StatusKey(graph), out var status))
        {
            deleted += ((MemoryNodeStatusStore)status).Forget(node);
        }

        return Task.FromResult(deleted);
    }

    /// <summary>The feed if it was ever asked for (readers must not create feeds).</summary>
    internal MemoryFeed? FindFeed(string graph, string node) => _objects.TryGetValue(FeedKey(graph, node), out var feed) ? (MemoryFeed)feed : null;

    private static string FeedKey(string graph, string node) => $"{graph}/{node}/feed";

    private static string StatusKey(string graph) => $"{graph}/status";

    private T Get<T>(string key, Func<T> create)
        where T : class => (T)_objects.GetOrAdd(key, _ => create());
}
