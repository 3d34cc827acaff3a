using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's <c>AzureJSON</c>: Microsoft's "Azure IP Ranges and Service Tags" document, <c>values</c> of service tags
/// each with <c>name</c>, <c>id</c> and <c>properties</c> (<c>region</c>, <c>platform</c>, <c>systemService</c>,
/// <c>addressPrefixes</c>). Every prefix is an IPv4 or IPv6 indicator with the tag's <c>azure_name</c>,
/// <c>azure_id</c>, <c>azure_region</c>, <c>azure_platform</c> and <c>azure_system_service</c> (those of the last
/// tag listing it), and as MineMeld aggregated them, <c>azure_…_list</c>: the lower-cased values of every tag that
/// lists it, here sorted and without nulls.
/// </summary>
public sealed class AzureServiceTagsParser(JsonObject config)
{
    private static readonly (string Property, string Attribute)[] Properties =
        [("region", "azure_region"), ("platform", "azure_platform"), ("systemService", "azure_system_service")];

    private readonly JsonObject _defaults = config["attributes"] as JsonObject ?? [];

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        if (!IndicatorCheck.TryReadJson(reader, report, out var document))
        {
            return [];
        }

        if (document?["values"] is not JsonArray values)
        {
            report.Fail(0, "no 'values' list: not an Azure service tags document");
            return [];
        }

        var items = new SortedDictionary<string, (JsonObject Attributes, Dictionary<string, SortedSet<string>> Lists)>(StringComparer.Ordinal);
        var index = 0;
        foreach (var value in values)
        {
            index++;
            if (value?["properties"] is not JsonObject properties)
            {
                report.Error(0, $"service tag {index} has no properties");
                continue;
            }

            var tag = new JsonObject
            {
                ["azure_name"] = value["name"]?.DeepClone(),
                ["azure_id"] = value["id"]?.DeepClone(),
            };
            foreach (var (property, attribute) in Properties)
            {
                tag[attribute] = properties[property]?.DeepClone();
            }

            foreach (var prefix in properties["addressPrefixes"] as JsonArray ?? [])
            {
                if (!JsonNodeValues.TryGetString(prefix, out var text) || !IndicatorCheck.TryIpType(text, out var type))
                {
                    report.Error(0, $"service tag {index}: '{IndicatorCheck.Truncate(prefix?.ToJsonString() ?? "null")}' is not an IP network");
                    continue;
                }

                var attributes = (JsonObject)tag.DeepClone();
                attributes[IndicatorValue.Type] = type;
                if (IndicatorCheck.Normalize(text, attributes, _defaults, 0, report) is not { } indicator)
                {
                    continue;
                }

                if (!items.TryGetValue(indicator, out var held))
                {
                    held = (attributes, new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
                    report.Item();
                }

                foreach (var (name, node) in attributes)
                {
                    if (name.StartsWith("azure_", StringComparison.Ordinal) && JsonNodeValues.TryGetString(node, out var text2))
                    {
                        if (!held.Lists.TryGetValue(name, out var list))
                        {
                            held.Lists[name] = list = new SortedSet<string>(StringComparer.Ordinal);
                        }

                        list.Add(text2.ToLowerInvariant());
                    }
                }

                items[indicator] = (attributes, held.Lists);
            }
        }

        return items.Select(static pair =>
        {
            var attributes = pair.Value.Attributes;
            foreach (var (name, list) in pair.Value.Lists)
            {
                attributes[$"{name}_list"] = new JsonArray([.. list.Select(static v => (JsonNode)v)]);
            }

            return new FeedItem(pair.Key, attributes);
        }).ToList();
    }
}
