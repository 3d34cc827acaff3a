using Prometheus;

namespace Minemeld.Streams.FeedServer;

/// <summary>
/// Prometheus instruments of the feed server (labels: known feed names and formats only, never a user).
/// </summary>
public static class FeedServerMetrics
{
    public static readonly Counter Requests = Metrics.CreateCounter(
        "minemeld_feed_requests_total", "Feed requests by feed, format and outcome (HTTP status, or 'aborted' for a stream cut by a fault).", "feed", "format", "status");

    public static readonly Counter ResponseBytes = Metrics.CreateCounter(
        "minemeld_feed_response_bytes_total", "Body bytes sent for feed requests (before gzip).", "feed", "format");

    public static readonly Histogram Duration = Metrics.CreateHistogram(
        "minemeld_feed_request_duration_seconds", "Time to answer a feed request, body included.", new HistogramConfiguration
        {
            LabelNames = ["feed", "format"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16),
        });

    public static readonly Counter CacheLookups = Metrics.CreateCounter(
        "minemeld_feed_render_cache_total", "Render-cache lookups for feed bodies.", "result");

    public static readonly Counter CarbonBlackTruncated = Metrics.CreateCounter(
        "minemeld_feed_carbonblack_truncated_addresses_total", "IPv4 addresses left out of carbonblack responses by the expansion cap.", "feed");

    public static readonly Counter AdminRequests = Metrics.CreateCounter(
        "minemeld_admin_requests_total", "Admin API requests by route group and status.", "group", "status");

    public static readonly Histogram RenderAhead = Metrics.CreateHistogram(
        "minemeld_feed_render_ahead_seconds", "Time to render a feed body ahead of requests, after the feed changed.", new HistogramConfiguration
        {
            LabelNames = ["feed"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });
}
