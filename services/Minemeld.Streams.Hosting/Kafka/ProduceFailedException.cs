namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>Messages of a batch were not acknowledged: the batch must not be committed.</summary>
public sealed class ProduceFailedException : Exception
{
    public ProduceFailedException()
    {
    }

    public ProduceFailedException(string message)
        : base(message)
    {
    }

    public ProduceFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
