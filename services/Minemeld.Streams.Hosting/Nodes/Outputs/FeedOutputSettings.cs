using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Outputs;

/// <summary>
/// A feed output's config (MineMeld's RedisSet keys, docs/minemeld-engine.md, "Feeds (RedisSet)") and its over-broad
/// guard.
/// </summary>
public sealed record FeedOutputSettings(string? ScoringAttribute, bool StoreValue, long MaxEntries, FilterSet Infilters, BroadnessGuard Guard)
{
    /// <summary>
    /// How long a withdrawn indicator is remembered, so TAXII clients are told it is revoked (<c>revoked_retention</c>,
    /// seconds; 0 remembers none). Not a MineMeld key: MineMeld's feeds had no readers that needed it.
    /// </summary>
    public TimeSpan RevokedRetention { get; init; } = IFeedStore.DefaultTombstoneRetention;

    /// <summary>The settings; <paramref name="guard"/> as the graph resolved it, else read from the config.</summary>
    public static FeedOutputSettings FromConfig(JsonObject config, BroadnessGuard? guard = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new FeedOutputSettings(
            config.ContainsKey("scoring_attribute") ? (JsonNodeValues.TryGetString(config["scoring_attribute"], out var s) ? s : null) : "last_seen",
            JsonNodeValues.TryGetBoolean(config["store_value"], out var store) && store,
            JsonNodeValues.TryGetInt64(config["max_entries"], out var max) ? max : 1_000_000,
            FilterSet.FromConfig(config["infilters"], static (_, _) => { }),
            guard ?? BroadnessGuard.FromConfig(config, BroadnessGuard.Default))
        {
            RevokedRetention = JsonNodeValues.TryGetInt64(config["revoked_retention"], out var seconds) ? TimeSpan.FromSeconds(seconds) : IFeedStore.DefaultTombstoneRetention,
        };
    }
}
