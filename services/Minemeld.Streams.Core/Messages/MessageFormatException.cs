namespace Minemeld.Streams.Core.Messages;

/// <summary>A message on a topic that is not a valid envelope; the message says what is wrong with it.</summary>
public sealed class MessageFormatException : FormatException
{
    public MessageFormatException()
    {
    }

    public MessageFormatException(string message)
        : base(message)
    {
    }

    public MessageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
