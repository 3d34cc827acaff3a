using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Minemeld.Streams.Core.Messages;

/// <summary>
/// The value of every message on an edge topic (version 1), keyed by the indicator:
/// <c>{"v":1,"op":"update","indicator":"1.2.3.0-1.2.3.255","type":"IPv4","origin":"myBaseOffering",
/// "value":{...},"ts":"2026-11-22T10:00:00Z"}</c>. <c>value</c> follows MineMeld's indicator schema with private
/// keys stripped; it may be null on a withdraw. <c>origin</c> is the publishing node.
/// </summary>
public sealed record IndicatorMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    [JsonPropertyName("op")]
    public required MessageOp Op { get; init; }

    [JsonPropertyName("indicator")]
    public required string Indicator { get; init; }

    [JsonPropertyName("type")]
    public string? Type { get; init; }

    [JsonPropertyName("origin")]
    public required string Origin { get; init; }

    [JsonPropertyName("value")]
    public JsonObject? Value { get; init; }

    [JsonPropertyName("ts")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset Timestamp { get; init; }
}
