using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// Merges the values several sources hold for one indicator, with MineMeld's rules (docs/minemeld-engine.md, "Messages
/// and attribute values"): <c>sources</c> ordered union, <c>first_seen</c> minimum, <c>last_seen</c> and
/// <c>confidence</c> maximum, <c>type</c>, <c>direction</c>, <c>country</c> and <c>AS</c> keep the first value;
/// anything else, <c>share_level</c> included, is last-writer-wins. With list merging on, list attributes from several
/// sources are concatenated. Callers merge in a fixed order (the node's <c>inputs</c> order,
/// docs/minemeld-compatibility.md, difference 9).
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

    /// <summary>
    /// Turns <paramref name="value"/>, in place, into what merging it alone gives (<see cref="NewAccumulator"/> then
    /// <see cref="MergeInto"/>): private keys go, <c>sources</c> becomes the first key and a list without nulls or
    /// repeats, every other key keeps its place and value. Merging a normalized value gives what merging the original
    /// gives, so a node can keep its rows normalized and publish a row that is alone on its indicator as it is, with
    /// no merge to compute. Returns <paramref name="value"/>.
    /// </summary>
    public static JsonObject Normalize(JsonObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = value.Count - 1; i >= 0; i--)
        {
            if (IndicatorValue.IsPrivate(value.GetAt(i).Key))
            {
                value.RemoveAt(i);
            }
        }

        var at = value.IndexOf(IndicatorValue.Sources);
        var node = at >= 0 ? value.GetAt(at).Value : null;
        if (at >= 0)
        {
            if (at == 0 && node is JsonArray set && IsSet(set))
            {
                return value;
            }

            value.RemoveAt(at);
            if (node is JsonArray moved && IsSet(moved))
            {
                value.Insert(0, IndicatorValue.Sources, moved);
                return value;
            }
        }

        // Rare (no list, a scalar, nulls or repeats): built the way a merge builds it.
        var sources = new JsonArray();
        AddSources(sources, node);
        value.Insert(0, IndicatorValue.Sources, sources);
        return value;
    }

    /// <summary>
    /// True when the list has no null and no item twice (what <see cref="MergeSources"/> would leave).
    /// </summary>
    private static bool IsSet(JsonArray array)
    {
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not { } item)
            {
                return false;
            }

            for (var j = 0; j < i; j++)
            {
                if (JsonNode.DeepEquals(array[j], item))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static void MergeSources(JsonObject merged, JsonNode? node)
    {
        if (merged[IndicatorValue.Sources] is not JsonArray sources)
        {
            sources = [];
            merged[IndicatorValue.Sources] = sources;
        }

        AddSources(sources, node);
    }

    /// <summary>
    /// Adds copies of the sources in <paramref name="node"/> (a list or one value) not yet in the list; nulls are
    /// skipped.
    /// </summary>
    private static void AddSources(JsonArray sources, JsonNode? node)
    {
        // An explicit array: a collection expression here would become a JsonArray and try to adopt the value's node.
        IEnumerable<JsonNode?> incoming = node is JsonArray array ? array : new[] { node };
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
