using System.Diagnostics;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Feeds.Formats;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// <c>GET /feeds/&lt;feed&gt;</c> in MineMeld's order (authorization, existence, parameters), then ETag/304, the render
/// cache, and a streamed render from one snapshot. A backend fault before the first byte is a 503; after it, the
/// connection is aborted so the client sees a broken transfer, never a complete-looking 200 (docs/feed-api.md,
/// "Endpoints and behaviour").
/// </summary>
public sealed partial class FeedResponder(
    NodeGraph graph,
    IFeedReadStore feeds,
    AccessDirectory access,
    FeedRenderCache cache,
    FeedRenderAhead renderAhead,
    IOptions<FeedServerOptions> options,
    TimeProvider time,
    ILogger<FeedResponder> logger)
{
    public const string Realm = "Basic realm=\"minemeld\"";

    /// <summary>
    /// Marks a body served from the render cache while Redis did not answer
    /// (<see cref="FeedServerOptions.ServeStaleOnBackendFault"/>).
    /// </summary>
    public const string StaleHeader = "X-Minemeld-Stale";

    public async Task ServeAsync(HttpContext context, string feed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var known = graph.TryGetNode(feed, out var node) && node.Class.Name == NodeClassRegistry.RedisSet;
        var feedLabel = known ? feed : "_unknown";
        var formatLabel = "plain";
        var status = "500";
        try
        {
            (status, formatLabel) = await RespondAsync(context, feed, known).ConfigureAwait(false);
        }
        finally
        {
            FeedServerMetrics.Requests.WithLabels(feedLabel, formatLabel, status).Inc();
            FeedServerMetrics.Duration.WithLabels(feedLabel, formatLabel).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<(string Status, string Format)> RespondAsync(HttpContext context, string feed, bool known)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        // Each state-store call before the first byte waits at most BackendTimeoutMs (the access directory bounds its
        // own reload the same way), so a frozen Redis is a 503 at the first deadline instead of at the client
        // library's timeout. Password hashing is CPU, not waiting, and is not counted.
        var deadline = TimeSpan.FromMilliseconds(options.Value.BackendTimeoutMs);
        try
        {
            if (!await MayReadAsync(request, feed, cancellationToken).ConfigureAwait(false))
            {
                response.Headers.WWWAuthenticate = Realm;
                return (await HtmlAsync(response, StatusCodes.Status401Unauthorized, "Unauthorized").ConfigureAwait(false), "plain");
            }
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex))
        {
            LogBackendDown(logger, feed, ex);
            return (await UnavailableAsync(response).ConfigureAwait(false), "plain");
        }

        if (!known)
        {
            return (await HtmlAsync(response, StatusCodes.Status404NotFound, "Unknown feed").ConfigureAwait(false), "plain");
        }

        if (!FeedQuery.TryParse(name => request.Query[name], out var query, out var error))
        {
            return (await HtmlAsync(response, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false), "plain");
        }

        var format = query.Format.ToString().ToLowerInvariant();
        var formatter = FeedFormatters.For(query, options.Value.CarbonBlackMaxAddresses);
        var fingerprint = query.Fingerprint();
        var gzip = AcceptsGzip(request);
        long version;
        try
        {
            version = await feeds.GetVersionAsync(feed, cancellationToken)
                .Within(deadline, time, "for the feed's version", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex))
        {
            LogBackendDown(logger, feed, ex);
            if (options.Value.ServeStaleOnBackendFault && !formatter.IsTimeDependent &&
                await cache.TryGetLatestAsync(feed, fingerprint, gzip, cancellationToken).ConfigureAwait(false) is var (stale, staleVersion))
            {
                FeedServerMetrics.CacheLookups.WithLabels("stale").Inc();
                response.Headers[StaleHeader] = $"version {staleVersion}; the state store did not answer";
                await SendFileAsync(context, formatter, new EntityTagHeaderValue($"\"{staleVersion}-{fingerprint}\""), gzip, stale, feed, format).ConfigureAwait(false);
                return ("200-stale", format);
            }

            return (await UnavailableAsync(response).ConfigureAwait(false), format);
        }

        var etag = new EntityTagHeaderValue($"\"{version}-{fingerprint}\"");
        renderAhead.Observe(feed, version);
        if (!formatter.IsTimeDependent)
        {
            renderAhead.Track(feed, query, fingerprint, gzip);
        }

        if (!formatter.IsTimeDependent && IsNotModified(request, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            response.Headers.ETag = etag.ToString();
            return ("304", format);
        }

        if (!formatter.IsTimeDependent && await cache.TryGetAsync(FeedRenderCache.Key(feed, version, fingerprint), gzip, cancellationToken).ConfigureAwait(false) is { } file)
        {
            FeedServerMetrics.CacheLookups.WithLabels("hit").Inc();
            await SendFileAsync(context, formatter, etag, gzip, file, feed, format).ConfigureAwait(false);
            return ("200", format);
        }

        // The feed changed and its new body is being rendered ahead: the previous version's body, whole and with its
        // own ETag, rather than a wait for the render (FeedRenderAhead).
        if (!formatter.IsTimeDependent && renderAhead.MayServePrevious(feed, fingerprint, version) &&
            await cache.TryGetLatestAsync(feed, fingerprint, gzip, cancellationToken).ConfigureAwait(false) is var (previous, previousVersion) &&
            previousVersion < version)
        {
            FeedServerMetrics.CacheLookups.WithLabels("previous").Inc();
            var previousTag = new EntityTagHeaderValue($"\"{previousVersion}-{fingerprint}\"");
            if (IsNotModified(request, previousTag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.Headers.ETag = previousTag.ToString();
                return ("304", format);
            }

            await SendFileAsync(context, formatter, previousTag, gzip, previous, feed, format).ConfigureAwait(false);
            return ("200", format);
        }

        FeedServerMetrics.CacheLookups.WithLabels("miss").Inc();
        return (await RenderAsync(context, feed, query, formatter, fingerprint, gzip).ConfigureAwait(false), format);
    }

    /// <summary>A body from the render cache, with the ETag of the version it holds.</summary>
    private static async Task SendFileAsync(HttpContext context, IFeedFormatter formatter, EntityTagHeaderValue etag, bool gzip, FileInfo file, string feed, string format)
    {
        var response = context.Response;
        SetHeaders(response, formatter, etag, gzip);
        response.ContentLength = file.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.SendFileAsync(file.FullName, context.RequestAborted).ConfigureAwait(false);
            FeedServerMetrics.ResponseBytes.WithLabels(feed, format).Inc(file.Length);
        }
    }

    /// <summary>
    /// The caller's access to the feed (users and tags come from Redis, cached for a couple of seconds).
    /// </summary>
    private async Task<bool> MayReadAsync(HttpRequest request, string feed, CancellationToken cancellationToken)
    {
        var identity = await access.ResolveAsync(request.Headers.Authorization, adminsOnly: false, cancellationToken).ConfigureAwait(false);
        return await access.CanReadFeedAsync(identity, feed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The backend-fault answer: a 503 the client may retry soon, never an empty 200.</summary>
    private static Task<string> UnavailableAsync(HttpResponse response)
    {
        response.Headers.RetryAfter = "5";
        return HtmlAsync(response, StatusCodes.Status503ServiceUnavailable, "Service unavailable");
    }

    private async Task<string> RenderAsync(HttpContext context, string feed, FeedQuery query, IFeedFormatter formatter, string fingerprint, bool gzip)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        IFeedSnapshot snapshot;
        try
        {
            snapshot = await feeds.OpenSnapshotAsync(feed, formatter.NeedsValues, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex))
        {
            LogBackendDown(logger, feed, ex);
            return await HtmlAsync(response, StatusCodes.Status503ServiceUnavailable, "Service unavailable").ConfigureAwait(false);
        }

        SetHeaders(response, formatter, new EntityTagHeaderValue($"\"{snapshot.Version}-{fingerprint}\""), gzip);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return "200";
        }

        var key = FeedRenderCache.Key(feed, snapshot.Version, fingerprint);
        var copy = formatter.IsTimeDependent ? null : cache.BeginWrite(key);
        var compressor = gzip ? new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true) : null;
        var output = new FeedOutput(compressor ?? response.Body, copy);
        try
        {
            await formatter.WriteAsync(new FeedRenderContext(feed, snapshot, query, output, options.Value.ReadPageSize, time), cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (compressor is not null)
            {
                await compressor.DisposeAsync().ConfigureAwait(false);
            }

            if (copy is not null)
            {
                await cache.CommitAsync(key, $"{feed}.{fingerprint}", copy).ConfigureAwait(false);
                renderAhead.Rendered(feed, fingerprint, output.Written);
            }

            if (formatter is CarbonBlackFormatter { Truncated: > 0 } carbonBlack)
            {
                FeedServerMetrics.CarbonBlackTruncated.WithLabels(feed).Inc(carbonBlack.Truncated);
                LogCarbonBlackCap(logger, feed, carbonBlack.Truncated, options.Value.CarbonBlackMaxAddresses);
            }

            FeedServerMetrics.ResponseBytes.WithLabels(feed, query.Format.ToString().ToLowerInvariant()).Inc(output.Written);
            return "200";
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex) || ex is FeedSnapshotLostException or IOException or OperationCanceledException)
        {
            FeedRenderCache.Abandon(copy);
            if (context.RequestAborted.IsCancellationRequested)
            {
                return "client-closed";
            }

            LogStreamFailed(logger, feed, output.Written, ex);
            if (!output.Started && !response.HasStarted)
            {
                response.Headers.Remove(HeaderNames.ETag);
                response.Headers.Remove(HeaderNames.ContentEncoding);
                return await HtmlAsync(response, StatusCodes.Status503ServiceUnavailable, "Service unavailable").ConfigureAwait(false);
            }

            context.Abort();
            return "aborted";
        }
    }

    private static void SetHeaders(HttpResponse response, IFeedFormatter formatter, EntityTagHeaderValue etag, bool gzip)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = formatter.ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = "Accept-Encoding";
        if (!formatter.IsTimeDependent)
        {
            response.Headers.ETag = etag.ToString();
        }

        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
        }
    }

    private static bool IsNotModified(HttpRequest request, EntityTagHeaderValue etag)
    {
        if (!EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var tags))
        {
            return false;
        }

        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var encodings) &&
        encodings.Any(static e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && (e.Quality ?? 1) > 0);

    /// <summary>MineMeld's tiny HTML error bodies (kept byte-identical for older PAN-OS releases).</summary>
    internal static async Task<string> HtmlAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync($"<html><body>{message}</body></html>").ConfigureAwait(false);
        return status.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Error, Message = "Feed {Feed}: the state store is unavailable")]
    private static partial void LogBackendDown(ILogger logger, string feed, Exception exception);

    [LoggerMessage(EventId = 721, Level = LogLevel.Error, Message = "Feed {Feed}: the stream failed after {Bytes} bytes; the response is aborted")]
    private static partial void LogStreamFailed(ILogger logger, string feed, long bytes, Exception exception);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Feed {Feed}: carbonblack expansion cap hit, {Count} addresses left out (FeedServer:CarbonBlackMaxAddresses = {Cap})")]
    private static partial void LogCarbonBlackCap(ILogger logger, string feed, long count, int cap);
}
