namespace Minemeld.Streams.Hosting.State;

/// <summary>A feed snapshot expired or was evicted while a response was being streamed from it.</summary>
public sealed class FeedSnapshotLostException : Exception
{
    public FeedSnapshotLostException()
    {
    }

    public FeedSnapshotLostException(string message)
        : base(message)
    {
    }

    public FeedSnapshotLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
