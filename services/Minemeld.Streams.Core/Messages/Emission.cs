using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Messages;

/// <summary>A message a node publishes as the result of handling one input message.</summary>
public readonly record struct Emission(MessageOp Op, string Indicator, JsonObject? Value);
