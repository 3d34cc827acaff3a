using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// Decodes what a consume loop read, and sets aside what is not a valid envelope: each such message is counted for
/// every node that reads its topic, logged with where it is, and sent once (whoever reads it) to the topic's
/// dead-letter topic (<see cref="TopicNames.DeadLetter"/>) wrapped with its place and the reason. The loop sends a
/// batch's dead letters with <see cref="SendAsync"/> and stores the batch's offsets only once they are acknowledged.
/// </summary>
internal sealed partial class DeadLetters(MessagePublisher publisher, ILogger logger, string reader)
{
    /// <summary>How much of a refused message's text a dead letter keeps.</summary>
    private const int MaxOriginalChars = 65_536;

    private List<OutgoingMessage>? _letters;

    /// <summary>
    /// Decodes <paramref name="result"/>; when it is not a valid envelope, sets it aside as a dead letter counted for
    /// <paramref name="nodes"/> and returns false.
    /// </summary>
    public bool TryDecode(ConsumeResult<string, byte[]> result, IReadOnlyList<string> nodes, out InputMessage message)
    {
        try
        {
            var envelope = IndicatorMessageSerializer.Deserialize(result.Message.Value, result.Message.Key);
            message = new InputMessage(result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key, envelope, result.Message.Value);
            return true;
        }
        catch (MessageFormatException ex)
        {
            foreach (var node in nodes)
            {
                PipelineMetrics.DeadLettered.WithLabels(node, result.Topic).Inc();
            }

            LogPoison(logger, reader, result.Topic, result.Partition.Value, result.Offset.Value, ex.Message);
            (_letters ??= []).Add(new OutgoingMessage(TopicNames.DeadLetter(result.Topic), result.Message.Key ?? string.Empty, Letter(result, ex.Message)));
            message = default;
            return false;
        }
    }

    /// <summary>
    /// Sends the dead letters set aside since the last call; the task ends when they are acknowledged.
    /// </summary>
    public Task SendAsync()
    {
        if (_letters is not { Count: > 0 } letters)
        {
            return Task.CompletedTask;
        }

        _letters = null;
        return publisher.PublishAsync(letters, CancellationToken.None);
    }

    /// <summary>
    /// The dead letter: the original bytes wrapped with where they came from and why they were refused.
    /// </summary>
    public static byte[] Letter(ConsumeResult<string, byte[]> result, string error)
    {
        var original = result.Message.Value is null ? string.Empty : Encoding.UTF8.GetString(result.Message.Value);
        var letter = new JsonObject
        {
            ["error"] = error,
            ["topic"] = result.Topic,
            ["partition"] = result.Partition.Value,
            ["offset"] = result.Offset.Value,
            ["original"] = original.Length > MaxOriginalChars ? original[..MaxOriginalChars] : original,
        };
        return Encoding.UTF8.GetBytes(letter.ToJsonString());
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{Reader}: {Topic}[{Partition}]@{Offset} is not a valid message, dead-lettered: {Error}")]
    private static partial void LogPoison(ILogger logger, string reader, string topic, int partition, long offset, string error);
}
