namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>One output format of <c>/feeds/&lt;feed&gt;</c> (docs/feed-api.md).</summary>
public interface IFeedFormatter
{
    /// <summary>The Content-Type MineMeld sent (Werkzeug added the charset to text types only).</summary>
    string ContentType { get; }

    /// <summary>Whether the stored values are read (json, csv, mwg, bluecoat, carbonblack).</summary>
    bool NeedsValues { get; }

    /// <summary>Whether the body depends on the time of the request (then it is never cached).</summary>
    bool IsTimeDependent => false;

    Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken);
}
