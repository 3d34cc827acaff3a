using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.FeedServer.Feeds.Formats;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// Keeps the render cache ahead of the feeds, so the first request after a feed changes is served as a file instead
/// of waiting for a render. Every <see cref="FeedServerOptions.RenderAheadIntervalMs"/> it reads the version of each
/// feed that has a series to keep (the plain and <c>tr=1</c> bodies of every feed output, and any other format or
/// parameters requested in the last <see cref="FeedServerOptions.RenderAheadIdleMinutes"/>), and renders each series
/// whose cached body is older than the feed, one render at a time; a gzip twin is made too once a client asked for
/// gzip; a series is not rendered again sooner than its last render took. While a series' new version renders,
/// <see cref="FeedResponder"/> serves its previous body (with that
/// body's own ETag, so a client never mixes versions); a series whose body is small, or whose render lags more than
/// <see cref="FeedServerOptions.RenderAheadMaxLagSeconds"/>, is rendered for the request as before.
/// </summary>
public sealed partial class FeedRenderAhead(
    NodeGraph graph,
    IFeedReadStore feeds,
    FeedRenderCache cache,
    IOptions<FeedServerOptions> options,
    TimeProvider time,
    ILogger<FeedRenderAhead> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    /// <summary>
    /// When each feed version was first seen by this process (the lag of a render is counted from there).
    /// </summary>
    private readonly ConcurrentDictionary<string, (long Version, long SeenAt)> _newest = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _kick = new(0, 1);

    private long _renderedAhead;

    /// <summary>Renders made ahead of requests (for tests and the benchmark).</summary>
    public long RenderedAhead => Interlocked.Read(ref _renderedAhead);

    public bool Enabled => cache.Enabled && options.Value.RenderAheadIntervalMs > 0;

    /// <summary>A request for a series: keeps it rendered ahead from now on (until it idles).</summary>
    public void Track(string feed, FeedQuery query, string fingerprint, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!Enabled)
        {
            return;
        }

        var key = $"{feed}.{fingerprint}";
        if (!_series.TryGetValue(key, out var series))
        {
            series = _series.GetOrAdd(key, new Series(feed, query, fingerprint));
        }

        series.LastRequest = time.GetTimestamp();
        series.Gzip |= gzip;
    }

    /// <summary>
    /// Notes the feed version a request read, so lag is counted from the first sight of it by anyone here.
    /// </summary>
    public void Observe(string feed, long version)
    {
        if (_newest.TryGetValue(feed, out var known) && known.Version >= version)
        {
            return; // the common case: a version already seen
        }

        var seen = (Version: version, SeenAt: time.GetTimestamp());
        _newest.AddOrUpdate(feed, seen, (_, old) => old.Version >= version ? old : seen);
        if (_kick.CurrentCount == 0)
        {
            try
            {
                _kick.Release(); // a new version: look now rather than at the next tick
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>
    /// Whether a request for <paramref name="fingerprint"/> of <paramref name="feed"/> at <paramref name="version"/>
    /// may be given the series' previous body: the series is kept ahead, its last body is large enough to be worth it,
    /// and the new version was first seen less than the allowed lag ago.
    /// </summary>
    public bool MayServePrevious(string feed, string fingerprint, long version)
    {
        if (!Enabled || !_series.TryGetValue($"{feed}.{fingerprint}", out var series) || series.LastBytes < options.Value.RenderAheadMinBytes)
        {
            return false;
        }

        return _newest.TryGetValue(feed, out var newest) && newest.Version == version &&
            time.GetElapsedTime(newest.SeenAt) < TimeSpan.FromSeconds(options.Value.RenderAheadMaxLagSeconds);
    }

    /// <summary>Records a body rendered for a request (its size decides whether the series is served ahead).</summary>
    public void Rendered(string feed, string fingerprint, long bytes)
    {
        if (_series.TryGetValue($"{feed}.{fingerprint}", out var series))
        {
            series.LastBytes = bytes;
        }
    }

    /// <summary>
    /// Waits until the series' body for <paramref name="version"/> (or newer) is cached, for tests and the benchmark.
    /// </summary>
    public async Task WaitForAsync(string feed, string fingerprint, long version, CancellationToken cancellationToken)
    {
        while (Enabled && (!_series.TryGetValue($"{feed}.{fingerprint}", out var series) || series.CachedVersion < version))
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        // Every feed output's plain and tr=1 bodies are kept from the start: what firewalls poll.
        foreach (var node in graph.Nodes.Where(static n => n.IsFeed))
        {
            foreach (var parameters in new[] { string.Empty, "tr=1" })
            {
                if (FeedQuery.TryParse(parameters, out var query, out _))
                {
                    _series.TryAdd($"{node.Name}.{query.Fingerprint()}", new Series(node.Name, query, query.Fingerprint()) { Standing = true });
                }
            }
        }

        var interval = TimeSpan.FromMilliseconds(options.Value.RenderAheadIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RenderDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex) || ex is FeedSnapshotLostException or IOException)
            {
                LogFailed(logger, ex.Message); // the next tick tries again; requests render for themselves meanwhile
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the host stops mid-render: the unfinished file is dropped
            }

            try
            {
                await _kick.WaitAsync(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the host stops
            }
        }
    }

    private async Task RenderDueAsync(CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromMinutes(options.Value.RenderAheadIdleMinutes);
        foreach (var (key, series) in _series)
        {
            if (!series.Standing && time.GetElapsedTime(series.LastRequest) > idle)
            {
                _series.TryRemove(key, out _);
            }
        }

        var versions = new Dictionary<string, Task<long>>(StringComparer.Ordinal);
        foreach (var feed in _series.Values.Select(static s => s.Feed).Distinct(StringComparer.Ordinal))
        {
            versions[feed] = feeds.GetVersionAsync(feed, cancellationToken);
        }

        foreach (var series in _series.Values.OrderBy(static s => s.Feed, StringComparer.Ordinal))
        {
            var version = await versions[series.Feed].ConfigureAwait(false);
            if (version == 0)
            {
                continue; // never written
            }

            Observe(series.Feed, version);
            if (series.CachedVersion >= version && (!series.Gzip || series.GzipVersion >= version))
            {
                continue; // the common tick: nothing changed (no file is looked at)
            }

            var key = FeedRenderCache.Key(series.Feed, version, series.Fingerprint);
            if (await cache.TryGetAsync(key, gzip: false, cancellationToken).ConfigureAwait(false) is null)
            {
                if (time.GetTimestamp() < series.NotBefore)
                {
                    continue; // rendered a moment ago: the previous body serves meanwhile (see Series.NotBefore)
                }

                var started = Stopwatch.GetTimestamp();
                var (rendered, bytes) = await RenderAsync(series, cancellationToken).ConfigureAwait(false);
                if (rendered < version)
                {
                    continue; // the snapshot was of an older version (the store lags its version key): next tick
                }

                series.LastBytes = bytes;
                series.NotBefore = time.GetTimestamp() + (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * time.TimestampFrequency);
                Interlocked.Increment(ref _renderedAhead);
                FeedServerMetrics.RenderAhead.WithLabels(series.Feed).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                key = FeedRenderCache.Key(series.Feed, rendered, series.Fingerprint);
                version = rendered;
            }

            if (series.Gzip && await cache.TryGetAsync(key, gzip: true, cancellationToken).ConfigureAwait(false) is not null)
            {
                series.GzipVersion = Math.Max(series.GzipVersion, version);
            }

            series.CachedVersion = Math.Max(series.CachedVersion, version);
        }
    }

    /// <summary>
    /// One render of a series into the cache, from one snapshot; returns the snapshot's version and the body's size.
    /// </summary>
    private async Task<(long Version, long Bytes)> RenderAsync(Series series, CancellationToken cancellationToken)
    {
        var formatter = FeedFormatters.For(series.Query, options.Value.CarbonBlackMaxAddresses);
        var snapshot = await feeds.OpenSnapshotAsync(series.Feed, formatter.NeedsValues, cancellationToken).ConfigureAwait(false);
        var key = FeedRenderCache.Key(series.Feed, snapshot.Version, series.Fingerprint);
        if (cache.BeginWrite(key) is not { } copy)
        {
            return (snapshot.Version, series.LastBytes); // already cached (or caching is failing): nothing to do
        }

        var output = new FeedOutput(Stream.Null, copy);
        try
        {
            await formatter.WriteAsync(new FeedRenderContext(series.Feed, snapshot, series.Query, output, options.Value.ReadPageSize, time), cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            await cache.CommitAsync(key, $"{series.Feed}.{series.Fingerprint}", copy).ConfigureAwait(false);
            return (snapshot.Version, output.Written);
        }
        catch
        {
            FeedRenderCache.Abandon(copy);
            throw;
        }
    }

    public override void Dispose()
    {
        _kick.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "Rendering feeds ahead failed ({Reason}); requests render for themselves until it recovers")]
    private static partial void LogFailed(ILogger logger, string reason);

    private sealed class Series(string feed, FeedQuery query, string fingerprint)
    {
        public string Feed => feed;

        public FeedQuery Query => query;

        public string Fingerprint => fingerprint;

        /// <summary>Kept whether requested or not (plain and tr=1 of every feed).</summary>
        public bool Standing { get; init; }

        public long LastRequest { get; set; }

        public bool Gzip { get; set; }

        /// <summary>Size of the last body rendered (ahead or for a request); 0 until one was.</summary>
        public long LastBytes { get; set; }

        public long CachedVersion { get; set; }

        public long GzipVersion { get; set; }

        /// <summary>
        /// No new render before this timestamp: a series waits as long after a render as the render took, so a feed
        /// that changes all the time costs at most half of one core per series, not all of it.
        /// </summary>
        public long NotBefore { get; set; }
    }
}
