using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Core.Aggregation;

/// <summary>A message a node publishes as the result of handling one input message.</summary>
public readonly record struct Emission(MessageOp Op, string Indicator, JsonObject? Value);
