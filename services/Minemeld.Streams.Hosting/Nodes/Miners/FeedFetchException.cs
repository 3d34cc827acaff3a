namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// A poll attempt that failed (HTTP status, timeout, too large, unreadable file); the message says which.
/// </summary>
public sealed class FeedFetchException : Exception
{
    public FeedFetchException()
    {
    }

    public FeedFetchException(string message)
        : base(message)
    {
    }

    public FeedFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FeedFetchException(string message, int statusCode)
        : base(message) => StatusCode = statusCode;

    /// <summary>The HTTP status the source answered, when the attempt failed on one.</summary>
    public int? StatusCode { get; }
}
