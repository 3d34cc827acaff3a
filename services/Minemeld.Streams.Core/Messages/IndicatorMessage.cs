using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Minemeld.Streams.Core.Json;

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

    private JsonObject? _value;
    private IndicatorJson _json;

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

    /// <summary>
    /// The value as a tree. A message read from a topic keeps its value as the bytes it arrived in
    /// (<see cref="ValueJson"/>) and builds the tree the first time it is asked for (single-threaded, as a consume
    /// loop reads it); most handlers never ask.
    /// </summary>
    [JsonPropertyName("value")]
    public JsonObject? Value
    {
        get => _value ??= _json.ToTree();
        init => (_value, _json) = (value, value);
    }

    /// <summary>
    /// The value as the message holds it: the bytes it was read in, or the tree it was made with (none on a withdraw
    /// without one).
    /// </summary>
    [JsonIgnore]
    public IndicatorJson ValueJson
    {
        get => _json;
        init => (_json, _value) = (value, value.Tree);
    }

    /// <summary>Whether <see cref="Value"/> is built already (reading it would parse nothing).</summary>
    [JsonIgnore]
    public bool HasValueTree => _value is not null;

    [JsonPropertyName("ts")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset Timestamp { get; init; }
}
