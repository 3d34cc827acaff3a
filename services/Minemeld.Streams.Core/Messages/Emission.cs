using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Messages;

/// <summary>A message a node publishes as the result of handling one input message.</summary>
public readonly record struct Emission(MessageOp Op, string Indicator, JsonObject? Value)
{
    /// <summary>
    /// <see cref="Value"/> as compact UTF-8 JSON, when the emitter keeps it that way anyway (a row's bytes): published
    /// as it is instead of being written again. Empty when not given; never different from <see cref="Value"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Utf8Value { get; init; }
}
