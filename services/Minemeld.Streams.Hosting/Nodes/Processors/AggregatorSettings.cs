using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Hosting.Nodes.Processors;

/// <summary>
/// An aggregator node's config: whitelist prefixes and input order, filters, list merging, case folding.
/// </summary>
public sealed record AggregatorSettings(WhitelistPolicy Whitelist, FilterSet Infilters, FilterSet Outfilters, string IndicatorType, bool MergeLists, bool IgnoreCase)
{
    public static AggregatorSettings FromConfig(IReadOnlyList<string> inputs, JsonObject config, string indicatorType)
    {
        ArgumentNullException.ThrowIfNull(config);
        var prefixes = config["whitelist_prefixes"] is JsonArray list
            ? list.Select(static n => JsonNodeValues.TryGetString(n, out var s) ? s : null).OfType<string>().ToList()
            : [];
        return new AggregatorSettings(
            new WhitelistPolicy(inputs, prefixes),
            FilterSet.FromConfig(config["infilters"], static (_, _) => { }),
            FilterSet.FromConfig(config["outfilters"], static (_, _) => { }),
            indicatorType,
            JsonNodeValues.TryGetBoolean(config["enable_list_merge"], out var merge) && merge,
            JsonNodeValues.TryGetBoolean(config["ignore_cases"], out var ignore) && ignore);
    }
}
