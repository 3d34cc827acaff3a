namespace Minemeld.Streams.Hosting.Redis;

/// <summary>
/// Every Redis key the engine writes, built in one place (docs/architecture.md, "Conventions in the code"):
/// <c>mm:&lt;graph&gt;:&lt;node&gt;:&lt;kind&gt;</c>. The README's "Redis key layout" lists them.
/// </summary>
public static class RedisKeys
{
    /// <summary>
    /// Feed members (sorted set): member = indicator, score = MineMeld's scoring attribute (last_seen).
    /// </summary>
    public static string FeedMembers(string graph, string node) => Key(graph, node, "members");

    /// <summary>Feed values (hash): indicator → JSON value.</summary>
    public static string FeedValues(string graph, string node) => Key(graph, node, "values");

    /// <summary>Feed version (string, integer): incremented by every batch that changed the feed.</summary>
    public static string FeedVersion(string graph, string node) => Key(graph, node, "version");

    /// <summary>
    /// A feed's tombstones (sorted set): withdrawn members scored by when they went, for readers in change order.
    /// </summary>
    public static string FeedGone(string graph, string node) => Key(graph, node, "gone");

    /// <summary>
    /// Prefix of a feed's read snapshots (<c>&lt;prefix&gt;&lt;version&gt;:members</c> and <c>:values</c>): copies of
    /// one version that the feed server streams large feeds from, shared by requests and expiring when unused.
    /// </summary>
    public static string FeedSnapshotPrefix(string graph, string node) => Key(graph, node, "snap:");

    /// <summary>
    /// Feed users or admin users (hash): name → JSON {hash, tags, origin}; <paramref name="kind"/> is feeds or admin.
    /// </summary>
    public static string AccessUsers(string graph, string kind) => $"mm:{graph}:aaa:users:{kind}";

    /// <summary>Feed attributes (hash): output node name → JSON {tags}.</summary>
    public static string AccessFeeds(string graph) => $"mm:{graph}:aaa:feeds";

    /// <summary>Node status (hash): state, counters, length, last run, last successful run, last error.</summary>
    public static string Status(string graph, string node) => Key(graph, node, "status");

    /// <summary>An exact-match aggregator's rows (hash): indicator → JSON {input: value}.</summary>
    public static string AggregatorRows(string graph, string node) => Key(graph, node, "rows");

    /// <summary>A range aggregator's rows of one address block (hash): input NUL indicator → JSON value.</summary>
    public static string RangeRows(string graph, string node, string block) => Key(graph, node, $"rows:{block}");

    /// <summary>
    /// A miner's table (hash): bucket → JSON array of rows (<see cref="Nodes.Miners.MinerStateStore"/>); and its run
    /// times (hash).
    /// </summary>
    public static string MinerRows(string graph, string node) => Key(graph, node, "rows");

    public static string MinerRuns(string graph, string node) => Key(graph, node, "runs");

    /// <summary>
    /// A miner's journal (list): the type and indicator of everything published since its table was last saved, one
    /// entry per slice; a holder that takes over after a crash publishes those indicators' state again.
    /// </summary>
    public static string MinerJournal(string graph, string node) => Key(graph, node, "journal");

    /// <summary>The poll lease of a miner node (string with expiry): who polls it this interval.</summary>
    public static string MinerLease(string graph, string node) => Key(graph, node, "lease");

    /// <summary>A local list's entries (hash): indicator → JSON attributes (with optional expiry).</summary>
    public static string LocalList(string graph, string node) => Key(graph, node, "list");

    /// <summary>The pub/sub channel a miner listens on for "poll now" (MineMeld's HUP).</summary>
    public static string HupChannel(string graph, string node) => Key(graph, node, "hup");

    /// <summary>
    /// The committed graph (hash): node name → JSON fingerprint. <c>@</c> is never part of a node name.
    /// </summary>
    public static string CommittedGraph(string graph) => $"mm:{graph}:@committed";

    /// <summary>Commands left by a commit (hash): node name → <c>rebuild</c>.</summary>
    public static string NodeCommands(string graph) => $"mm:{graph}:@commands";

    /// <summary>Local-list edit stamps (hash): node name → a stamp that changes at every edit.</summary>
    public static string ListStamps(string graph) => $"mm:{graph}:@liststamps";

    /// <summary>The console's login sessions (hash): SHA-256 of the token → JSON.</summary>
    public static string ConsoleSessions(string graph) => $"mm:{graph}:@sessions";

    /// <summary>The glob that matches every key of one node (node names hold no glob characters).</summary>
    public static string NodeKeys(string graph, string node) => Key(graph, node, "*");

    private static string Key(string graph, string node, string kind) => $"mm:{graph}:{node}:{kind}";
}
