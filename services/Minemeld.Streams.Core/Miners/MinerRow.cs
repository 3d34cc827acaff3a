using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Collections;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// One indicator a miner holds: its public value (what is published) and MineMeld's private bookkeeping
/// (<c>_last_run</c>, <c>_age_out</c>, <c>_withdrawn</c>), all times in epoch milliseconds.
/// <para>
/// The value is kept as UTF-8 JSON, one array per row instead of a tree of nodes: a miner holding a million
/// indicators keeps a million small arrays alive, not a million trees for the garbage collector to trace and copy.
/// The array is never changed once set (a new value is a new array), so a saved row can be recognised by reference.
/// </para>
/// </summary>
public sealed class MinerRow
{
    private byte[] _value = [];

    public MinerRow(string indicator, JsonObject value)
    {
        Indicator = indicator;
        SetValue(value);
    }

    public MinerRow(string indicator, ReadOnlySpan<byte> utf8Value)
    {
        Indicator = indicator;
        _value = utf8Value.ToArray();
        Type = TypeOf(_value);
    }

    /// <summary>
    /// A row over <paramref name="last"/> when it holds exactly <paramref name="utf8Value"/>'s bytes, else over a copy,
    /// which becomes <paramref name="last"/> (<see cref="SharedArrays"/>): a table loaded row after row keeps one array
    /// per run of equal values.
    /// </summary>
    public MinerRow(string indicator, ReadOnlySpan<byte> utf8Value, ref byte[]? last)
    {
        Indicator = indicator;
        _value = SharedArrays.Of(utf8Value, ref last);
        Type = TypeOf(_value);
    }

    /// <summary>
    /// A row over <paramref name="utf8Value"/> itself (an array never changed afterwards; rows with equal values may
    /// share it) and its type.
    /// </summary>
    public MinerRow(string indicator, byte[] utf8Value, string? type)
    {
        Indicator = indicator;
        _value = utf8Value;
        Type = type;
    }

    public string Indicator { get; }

    /// <summary>The value as compact UTF-8 JSON (not to be changed).</summary>
    public byte[] Utf8Value => _value;

    /// <summary>The value's <c>type</c>, read when the value is set.</summary>
    public string? Type { get; private set; }

    public long LastRun { get; set; }

    public long AgeOut { get; set; }

    public long? Withdrawn { get; set; }

    /// <summary>
    /// What a state store last wrote or read of this row (default before that): kept on the row, so that a store
    /// finds the rows that changed since its last save without a million-entry table of its own beside the poller's.
    /// </summary>
    public MinerRowStamp Saved { get; set; }

    /// <summary>The row as it is now, to compare with <see cref="Saved"/>.</summary>
    public MinerRowStamp Stamp => new(_value, LastRun, AgeOut, Withdrawn);

    /// <summary>The value as a tree, parsed afresh: the caller's to keep or change.</summary>
    public JsonObject ReadValue() => JsonObjectReader.ParseObject(_value.AsSpan())
        ?? throw new InvalidOperationException($"miner row '{Indicator}' does not hold a JSON object");

    /// <summary>Takes <paramref name="value"/>'s JSON as the row's value (the tree itself is not kept).</summary>
    public void SetValue(JsonObject value)
    {
        byte[]? none = null;
        SetValue(value, ref none);
    }

    /// <summary>
    /// <see cref="SetValue(JsonObject)"/>, taking <paramref name="last"/> as the row's array when it holds the same
    /// JSON (<see cref="JsonText.EndSharing"/>): rows refreshed by one poll mostly end up with equal values.
    /// </summary>
    public void SetValue(JsonObject value, ref byte[]? last)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.WriteTo(JsonText.Begin());
        _value = JsonText.EndSharing(ref last);
        Type = JsonNodeValues.TryGetString(value[IndicatorValue.Type], out var type) ? type : null;
    }

    private static string? TypeOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals(IndicatorValue.Type);
            reader.Read();
            if (isType)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }
}

/// <summary>
/// A row's value (the array, by reference: a row's value is replaced, never changed) and bookkeeping at one moment;
/// equal stamps mean nothing to write.
/// </summary>
public readonly record struct MinerRowStamp(byte[]? Value, long LastRun, long AgeOut, long? Withdrawn);
