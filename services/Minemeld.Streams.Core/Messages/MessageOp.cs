using System.Text.Json.Serialization;

namespace Minemeld.Streams.Core.Messages;

/// <summary>What a message says about its indicator.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageOp>))]
public enum MessageOp
{
    /// <summary>The indicator is new or its attributes changed; the value is complete, never a delta.</summary>
    [JsonStringEnumMemberName("update")]
    Update,

    /// <summary>The indicator is gone from the sender's view.</summary>
    [JsonStringEnumMemberName("withdraw")]
    Withdraw,
}
