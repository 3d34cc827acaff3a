using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// One indicator a miner holds: its public value (what is published) and MineMeld's private bookkeeping
/// (<c>_last_run</c>, <c>_age_out</c>, <c>_withdrawn</c>), all times in epoch milliseconds.
/// </summary>
public sealed class MinerRow
{
    public required string Indicator { get; init; }

    public required JsonObject Value { get; set; }

    public long LastRun { get; set; }

    public long AgeOut { get; set; }

    public long? Withdrawn { get; set; }

    public string? Type => Value[Indicators.IndicatorValue.Type] is JsonValue v && v.TryGetValue(out string? t) ? t : null;
}
