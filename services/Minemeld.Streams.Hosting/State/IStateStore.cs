namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Where the engine keeps its state: feeds, miner tables and poll leases, aggregator rows, local lists, node
/// status, users, and the "poll now" signal. Two implementations pass one contract suite: Redis (production:
/// shared by every worker process, survives restarts) and in memory (<c>minemeld run</c>'s default: one process,
/// gone at exit). Handles are cheap: callers ask for one per node and keep it.
/// </summary>
public interface IStateStore
{
    /// <summary>What this store is, for logs and the console (e.g. <c>redis 127.0.0.1:6379</c>).</summary>
    string Description { get; }

    /// <summary>False while the backend cannot be reached (readiness reports it).</summary>
    bool IsConnected { get; }

    /// <summary>The "poll now" signal of miners (MineMeld's HUP).</summary>
    IHupChannel Hup { get; }

    /// <summary>A feed output's members, values and version (written by the output worker).</summary>
    IFeedStore Feed(string graph, string node);

    /// <summary>Consistent reads of a graph's feeds (the feed server).</summary>
    IFeedReadStore FeedReader(string graph, FeedReadOptions options);

    /// <summary>A miner's table and run times.</summary>
    IMinerTableStore MinerTable(string graph, string node);

    /// <summary>The poll lease of a miner node: which replica polls it this interval.</summary>
    IMinerLease MinerLease(string graph, string node);

    /// <summary>An aggregator's rows; <paramref name="block"/> names the address block of a range aggregator.</summary>
    IRecordStore AggregatorRows(string graph, string node, string? block = null);

    /// <summary>A local list's entries (indicator → JSON attributes).</summary>
    IRecordStore LocalList(string graph, string node);

    /// <summary>The status every process running a node reports.</summary>
    INodeStatusStore Status(string graph);

    /// <summary>Feed users, admin users and feed tags.</summary>
    IAccessStore Access(string graph);

    /// <summary>The committed graph: node name → its fingerprint (<c>minemeld commit</c>).</summary>
    IRecordStore CommittedGraph(string graph);

    /// <summary>Commands a commit leaves for nodes that are not running (node name → <c>rebuild</c>).</summary>
    IRecordStore NodeCommands(string graph);

    /// <summary>
    /// A stamp per local list (node name → a value that changes at every edit): a list miner's owner reads them all
    /// in one call every few seconds, so an edit whose HUP was lost still reaches the feed.
    /// </summary>
    IRecordStore ListStamps(string graph);

    /// <summary>
    /// The console's login sessions (SHA-256 of the session token → JSON: user, CSRF token, expiry), shared by every
    /// feed server so a console behind a load balancer keeps its session.
    /// </summary>
    IRecordStore ConsoleSessions(string graph);

    /// <summary>
    /// Deletes everything stored for one node (feed, rows, table, lease, status); a local list is kept when
    /// <paramref name="keepList"/> is true (a reset), deleted with the node otherwise. Returns how many objects went.
    /// </summary>
    Task<long> DeleteNodeStateAsync(string graph, string node, bool keepList, CancellationToken cancellationToken);
}
