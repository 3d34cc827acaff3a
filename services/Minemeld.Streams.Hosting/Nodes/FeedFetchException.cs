namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>A poll attempt that failed (HTTP status, timeout, too large, unreadable file); the message says which.</summary>
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
}
