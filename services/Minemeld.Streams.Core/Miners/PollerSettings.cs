using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// The BasePollerFT settings of a miner node (docs/minemeld-engine.md, "Miners: settings and age-out"), read from its
/// resolved config (already validated by the graph loader). A null age-out policy means never.
/// </summary>
public sealed class PollerSettings
{
    public required string SourceName { get; init; }

    public JsonObject Attributes { get; init; } = [];

    public int IntervalSeconds { get; init; } = 3600;

    public int NumRetries { get; init; } = 2;

    /// <summary>Seconds between age-out sweeps; null means a single sweep at start.</summary>
    public int? AgeOutIntervalSeconds { get; init; } = 3600;

    public bool SuddenDeath { get; init; } = true;

    public AgeOutExpression? DefaultPolicy { get; init; } = AgeOutExpression.Default;

    public IReadOnlyDictionary<string, AgeOutExpression?> TypePolicies { get; init; } = new Dictionary<string, AgeOutExpression?>();

    public bool MultipleIndicatorTypes { get; init; }

    public bool AggregateIndicators { get; init; }

    /// <summary>The node's over-broad guard; items it refuses are counted and skipped.</summary>
    public BroadnessGuard Guard { get; init; } = BroadnessGuard.Off;

    /// <summary>
    /// Reads the settings from a node's config; <paramref name="nodeName"/> is the default source name (unless the
    /// class names its source, <paramref name="classSourceName"/>, as MineMeld's vendor miners did) and
    /// <paramref name="guard"/> the guard the graph resolved (else the config's keys over the default).
    /// </summary>
    public static PollerSettings FromConfig(string nodeName, JsonObject config, BroadnessGuard? guard = null, string? classSourceName = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ageOut = config["age_out"] as JsonObject ?? [];
        var typePolicies = new Dictionary<string, AgeOutExpression?>(StringComparer.Ordinal);
        foreach (var (key, value) in ageOut)
        {
            if (IndicatorTypes.IsKnown(key))
            {
                typePolicies[key] = Policy(value);
            }
        }

        return new PollerSettings
        {
            SourceName = JsonNodeValues.TryGetString(config["source_name"], out var source) ? source : classSourceName ?? nodeName,
            Attributes = config["attributes"] is JsonObject attributes ? (JsonObject)attributes.DeepClone() : [],
            IntervalSeconds = JsonNodeValues.TryGetInt64(config["interval"], out var interval) ? (int)interval : 3600,
            NumRetries = JsonNodeValues.TryGetInt64(config["num_retries"], out var retries) ? (int)retries : 2,
            AgeOutIntervalSeconds = !ageOut.ContainsKey("interval") ? 3600 : JsonNodeValues.TryGetInt64(ageOut["interval"], out var sweep) ? (int)sweep : null,
            SuddenDeath = !JsonNodeValues.TryGetBoolean(ageOut["sudden_death"], out var suddenDeath) || suddenDeath,
            DefaultPolicy = ageOut.ContainsKey("default") ? Policy(ageOut["default"]) : AgeOutExpression.Default,
            TypePolicies = typePolicies,
            MultipleIndicatorTypes = JsonNodeValues.TryGetBoolean(config["multiple_indicator_types"], out var multiple) && multiple,
            AggregateIndicators = JsonNodeValues.TryGetBoolean(config["aggregate_indicators"], out var aggregate) && aggregate,
            Guard = guard ?? BroadnessGuard.FromConfig(config, BroadnessGuard.Default),
        };
    }

    /// <summary>The policy for an indicator of <paramref name="type"/>: its type's, else the default.</summary>
    public AgeOutExpression? PolicyFor(string? type) =>
        type is not null && TypePolicies.TryGetValue(type, out var policy) ? policy : DefaultPolicy;

    private static AgeOutExpression? Policy(JsonNode? node) =>
        JsonNodeValues.TryGetString(node, out var text) && AgeOutExpression.TryParse(text, out var expression, out _) ? expression : null;
}
