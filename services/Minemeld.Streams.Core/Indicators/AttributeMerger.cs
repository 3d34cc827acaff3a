using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// Merges the values several sources hold for one indicator, with MineMeld's rules (spec §2.3): <c>sources</c>
/// ordered union, <c>first_seen</c> minimum, <c>last_seen</c> and <c>confidence</c> maximum, <c>type</c>,
/// <c>direction</c>, <c>country</c> and <c>AS</c> keep the first value; anything else, <c>share_level</c> included,
/// is last-writer-wins. With list merging on, list attributes from several sources are concatenated.
/// Callers merge in a fixed order (the node's <c>inputs</c> order, design.md decision 7).
/// </summary>
public static class AttributeMerger
{
    /// <summary>A fresh accumulator: <c>{"sources": []}</c>, as MineMeld starts every merge.</summary>
    public static JsonObject NewAccumulator() => new() { [IndicatorValue.Sources] = new JsonArray() };

    /// <summary>Merges <paramref name="value"/> into <paramref name="merged"/>; private keys are skipped.</summary>
    public static void MergeInto(JsonObject merged, JsonObject value, bool mergeLists = false)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var (key, node) in value)
        {
            if (IndicatorValue.IsPrivate(key))
            {
                continue;
            }

            switch (key)
            {
                case IndicatorValue.Sources:
                    MergeSources(merged, node);
                    break;
                case IndicatorValue.Type or IndicatorValue.Direction or IndicatorValue.Country or IndicatorValue.AutonomousSystem:
                    if (!merged.ContainsKey(key))
                    {
                        merged[key] = node?.DeepClone();
                    }

                    break;
                case IndicatorValue.FirstSeen:
                    KeepExtreme(merged, key, node, keepLarger: false);
                    break;
                case IndicatorValue.LastSeen or IndicatorValue.Confidence:
                    KeepExtreme(merged, key, node, keepLarger: true);
                    break;
                default:
                    if (mergeLists && node is JsonArray incoming && merged[key] is JsonArray existing)
                    {
                        foreach (var item in incoming)
                        {
                            existing.Add(item?.DeepClone());
                        }
                    }
                    else
                    {
                        merged[key] = node?.DeepClone();
                    }

                    break;
            }
        }
    }

    private static void MergeSources(JsonObject merged, JsonNode? node)
    {
        if (merged[IndicatorValue.Sources] is not JsonArray sources)
        {
            sources = [];
            merged[IndicatorValue.Sources] = sources;
        }

        IEnumerable<JsonNode?> incoming = node is JsonArray array ? array : [node];
        foreach (var item in incoming)
        {
            if (item is not null && !sources.Any(existing => JsonNode.DeepEquals(existing, item)))
            {
                sources.Add(item.DeepClone());
            }
        }
    }

    private static void KeepExtreme(JsonObject merged, string key, JsonNode? node, bool keepLarger)
    {
        if (!TryNumber(node, out var incoming))
        {
            if (!merged.ContainsKey(key))
            {
                merged[key] = node?.DeepClone();
            }

            return;
        }

        if (!TryNumber(merged[key], out var current) || (keepLarger ? incoming > current : incoming < current))
        {
            merged[key] = node!.DeepClone();
        }
    }

    private static bool TryNumber(JsonNode? node, out double number) => JsonNodeValues.TryGetDouble(node, out number);
}
