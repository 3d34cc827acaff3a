using System.ComponentModel.DataAnnotations;

namespace Minemeld.Streams.FeedServer;

/// <summary>The feed server's settings (section <c>FeedServer</c>; environment <c>FeedServer__…</c>).</summary>
public sealed class FeedServerOptions
{
    public const string SectionName = "FeedServer";

    /// <summary>
    /// The users file (feed users, admin users, feed tags); default: <c>&lt;graph&gt;.users.yml</c> next to the graph
    /// when it exists. Declared users and feed tags are written to Redis at start-up (the file wins).
    /// </summary>
    public string? UsersPath { get; set; }

    /// <summary>
    /// Answer the admin API (everything but /feeds, /healthz, /readyz, /metrics) from non-loopback clients too.
    /// </summary>
    public bool AdminRemoteAccess { get; set; }

    /// <summary>
    /// Name of an environment variable holding an admin bearer token (for scripts); unset means Basic auth only.
    /// The token itself never goes into a config file.
    /// </summary>
    public string? AdminTokenVariable { get; set; }

    /// <summary>
    /// Feeds up to this many entries are read in one atomic Redis call; larger ones from a shared snapshot.
    /// </summary>
    [Range(1, 5000)]
    public int AtomicReadLimit { get; set; } = 2000;

    /// <summary>Entries per Redis round trip while streaming a snapshot.</summary>
    [Range(100, 100_000)]
    public int ReadPageSize { get; set; } = 5000;

    /// <summary>Seconds a snapshot of one feed version lives after its last use.</summary>
    [Range(10, 3600)]
    public int SnapshotTtlSeconds { get; set; } = 120;

    /// <summary>
    /// Rendered responses are cached per feed version and format here (empty: a directory under the temp path).
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// Upper bound of the render cache on disk; least recently used files go first. 0 turns caching off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long CacheMaxBytes { get; set; } = 1L << 30;

    /// <summary>
    /// carbonblack expands IPv4 ranges into single addresses; at most this many per response
    /// (docs/minemeld-compatibility.md, "Differences from MineMeld", 17).
    /// </summary>
    [Range(1, 100_000_000)]
    public int CarbonBlackMaxAddresses { get; set; } = 1_000_000;

    /// <summary>
    /// Largest request body accepted by the list-edit routes (1,000,000 entries fit well within the default).
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxListBodyBytes { get; set; } = 512L << 20;

    /// <summary>
    /// How long a verified credential is remembered (a firewall polling every minute costs no hashing).
    /// </summary>
    [Range(0, 86400)]
    public int CredentialCacheSeconds { get; set; } = 300;

    /// <summary>
    /// How long a feed request waits for Redis before it answers 503 (or the stale body, below). Covers the calls made
    /// before the first byte (the caller's access, the feed's version); a render already under way is not cut short.
    /// </summary>
    [Range(50, 60_000)]
    public int BackendTimeoutMs { get; set; } = 800;

    /// <summary>
    /// When Redis does not answer, serve the last body this process rendered for the same feed and parameters, with
    /// <c>X-Minemeld-Stale</c> naming its version, instead of a 503. Off by default: a firewall keeps its last list on
    /// a 5xx anyway, and a client that cannot tell stale from fresh is better told.
    /// </summary>
    public bool ServeStaleOnBackendFault { get; set; }

    /// <summary>How long users and feed tags read from Redis are reused before reading them again.</summary>
    [Range(0, 600)]
    public double AccessRefreshSeconds { get; set; } = 2;

    /// <summary>Seconds between two readings of every node's status for the console's status history.</summary>
    [Range(1, 3600)]
    public int ConsoleHistorySeconds { get; set; } = 30;

    /// <summary>Status samples kept per node (only samples that differ from the one before are kept).</summary>
    [Range(1, 10_000)]
    public int ConsoleHistorySamples { get; set; } = 120;

    /// <summary>
    /// How often the feeds' versions are read to render changed feeds ahead of requests (ms); 0 turns rendering ahead
    /// off (every first request after a change then waits for its render).
    /// </summary>
    [Range(0, 60_000)]
    public int RenderAheadIntervalMs { get; set; } = 250;

    /// <summary>
    /// A requested format of a feed is kept rendered ahead until it has not been asked for this long.
    /// </summary>
    [Range(1, 10_080)]
    public int RenderAheadIdleMinutes { get; set; } = 30;

    /// <summary>
    /// Bodies at least this large are served from the previous version while the new one renders ahead; smaller ones
    /// render for the request (fast anyway), so a small feed is always read-after-write.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long RenderAheadMinBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The previous body is served for at most this long after a new version was first seen; then the request renders.
    /// </summary>
    [Range(1, 3600)]
    public int RenderAheadMaxLagSeconds { get; set; } = 30;
}
