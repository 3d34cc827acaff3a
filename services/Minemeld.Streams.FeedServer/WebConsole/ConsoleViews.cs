using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Lists;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.WebConsole;

/// <summary>
/// The JSON the console's pages read that the admin API does not already give: the graph's shape, a node's page, a
/// feed's indicators, the access matrix.
/// </summary>
public static class ConsoleViews
{
    /// <summary>The <c>v</c> values of <c>/feeds/&lt;feed&gt;</c>, plain first (no <c>v</c>).</summary>
    public static readonly IReadOnlyList<string> FeedFormats = ["plain", "json", "json-seq", "csv", "mwg", "bluecoat", "panosurl", "carbonblack"];

    /// <summary>Entries read per round trip while a search scans a feed.</summary>
    private const int ScanPage = 5000;

    /// <summary>
    /// Every node with what the overview and the graph drawing need (status comes from <c>/status/minemeld</c>).
    /// </summary>
    public static JsonObject Graph(NodeGraph graph, LocalListCatalog lists)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(lists);
        var nodes = new JsonArray();
        foreach (var node in graph.Nodes)
        {
            nodes.Add(new JsonObject
            {
                ["name"] = node.Name,
                ["class"] = node.ClassName,
                ["prototype"] = node.Prototype,
                ["kind"] = Kind(node),
                ["inputs"] = new JsonArray([.. node.Inputs.Select(static i => JsonValue.Create(i))]),
                ["is_feed"] = node.IsFeed,
                ["is_list"] = lists.TryGet(node.Name, out _),
            });
        }

        return new JsonObject { ["name"] = graph.Name, ["nodes"] = nodes };
    }

    /// <summary>
    /// A node's page: where it sits, its config (the prototype's and what the node overrides), its feed URLs or list,
    /// its recent status.
    /// </summary>
    public static JsonObject Node(NodeGraph graph, GraphNode node, PrototypeLibrary prototypes, LocalListCatalog lists, IReadOnlyList<StatusSample> history, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(prototypes);
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(history);
        Prototype? prototype = null;
        if (node.Prototype is { } name && prototypes.TryResolve(name, out var resolved, out _))
        {
            prototype = resolved;
        }

        // What the node's own config changes: keys the prototype lacks or holds with another value.
        var overrides = new JsonObject();
        foreach (var (key, value) in node.Config)
        {
            if (prototype is null || !prototype.Config.TryGetPropertyValue(key, out var inherited) || !JsonNode.DeepEquals(inherited, value))
            {
                overrides[key] = value?.DeepClone();
            }
        }

        var result = new JsonObject
        {
            ["name"] = node.Name,
            ["class"] = node.ClassName,
            ["kind"] = Kind(node),
            ["prototype"] = node.Prototype,
            ["location"] = node.Location.ToString(),
            ["inputs"] = new JsonArray([.. node.Inputs.Select(static i => JsonValue.Create(i))]),
            ["consumers"] = new JsonArray([.. graph.ConsumersOf(node.Name).Select(static c => JsonValue.Create(c))]),
            ["output"] = node.Output,
            ["is_feed"] = node.IsFeed,
            ["config"] = node.Config.DeepClone(),
            ["overrides"] = overrides,
            ["prototype_info"] = prototype is null ? null : new JsonObject
            {
                ["name"] = prototype.FullName,
                ["description"] = prototype.Description,
                ["development_status"] = prototype.DevelopmentStatus,
                ["differs_from_minemeld"] = prototype.DiffersFromMineMeld,
                ["config"] = prototype.Config.DeepClone(),
            },
            ["history"] = new JsonArray([.. history.Select(static s => (JsonNode)new JsonObject
            {
                ["at"] = s.At,
                ["state"] = s.State,
                ["sub_state"] = s.SubState,
                ["length"] = s.Length,
                ["counters"] = new JsonObject([.. s.Counters.Select(static c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
            })]),
        };
        if (node.IsFeed)
        {
            var path = $"{baseUrl}/feeds/{Uri.EscapeDataString(node.Name)}";
            result["feed_urls"] = new JsonArray([.. FeedFormats.Select(f => (JsonNode)new JsonObject
            {
                ["format"] = f,
                ["url"] = f == "plain" ? path : $"{path}?v={f}",
            })]);
        }

        if (lists.TryGet(node.Name, out var list))
        {
            result["list"] = new JsonObject
            {
                ["type"] = list.ForcedType,
                ["default_ttl"] = list.DefaultTtlSeconds,
            };
        }

        return result;
    }

    /// <summary>
    /// A page of a feed's indicators, newest first (by last_seen), from one consistent snapshot. With a search, the
    /// whole snapshot is scanned for indicators that contain it (case-insensitive) and the page is cut from the
    /// matches, with their count.
    /// </summary>
    public static async Task<JsonObject> IndicatorsAsync(IFeedReadStore feeds, string feed, string search, long offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feeds);
        var snapshot = await feeds.OpenSnapshotAsync(feed, withValues: true, cancellationToken).ConfigureAwait(false);
        var items = new JsonArray();
        long matched;
        if (search.Length == 0)
        {
            foreach (var entry in offset < snapshot.Count ? await snapshot.ReadAsync(offset, limit, descending: true, cancellationToken).ConfigureAwait(false) : [])
            {
                items.Add(Item(entry));
            }

            matched = snapshot.Count;
        }
        else
        {
            matched = 0;
            for (long start = 0; start < snapshot.Count; start += ScanPage)
            {
                foreach (var entry in await snapshot.ReadAsync(start, ScanPage, descending: true, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Indicator.Contains(search, StringComparison.OrdinalIgnoreCase))
                    {
                        if (matched >= offset && items.Count < limit)
                        {
                            items.Add(Item(entry));
                        }

                        matched++;
                    }
                }
            }
        }

        return new JsonObject
        {
            ["feed"] = feed,
            ["version"] = snapshot.Version,
            ["total"] = snapshot.Count,
            ["matched"] = matched,
            ["query"] = search,
            ["offset"] = offset,
            ["limit"] = limit,
            ["items"] = items,
        };
    }

    /// <summary>
    /// Which feed user (and the anonymous caller) may read which feed output, by the same rule <c>/feeds/</c> applies.
    /// </summary>
    public static async Task<JsonObject> AccessMatrixAsync(NodeGraph graph, AccessDirectory access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(access);
        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var feeds = graph.Nodes.Where(static n => n.IsFeed).Select(static n => n.Name).ToList();
        var callers = snapshot.FeedUsers.OrderBy(static u => u.Key, StringComparer.Ordinal)
            .Select(static u => (Row: u.Key, Identity: new Identity(IdentityKind.FeedUser, u.Key, u.Value.Tags), Record: (UserRecord?)u.Value))
            .Append(("anonymous", Identity.Anonymous, null));
        var rows = new JsonArray();
        foreach (var (row, identity, record) in callers)
        {
            var readable = new JsonArray();
            foreach (var feed in feeds)
            {
                readable.Add(await access.CanReadFeedAsync(identity, feed, cancellationToken).ConfigureAwait(false));
            }

            rows.Add(new JsonObject
            {
                ["user"] = row,
                ["anonymous"] = record is null,
                ["tags"] = new JsonArray([.. identity.Tags.Select(static t => JsonValue.Create(t))]),
                ["origin"] = record?.Origin,
                ["can_read"] = readable,
            });
        }

        return new JsonObject
        {
            ["feeds_auth"] = access.FeedsAuthEnabled,
            ["any_tag"] = AccessConfig.AnyTag,
            ["anonymous_tag"] = AccessConfig.AnonymousTag,
            ["feeds"] = new JsonArray([.. feeds.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f,
                ["tags"] = new JsonArray([.. AccessSnapshot.TagsOf(snapshot.Feeds.GetValueOrDefault(f)).Select(static t => JsonValue.Create(t))]),
            })]),
            ["rows"] = rows,
        };
    }

    private static string Kind(GraphNode node) => node.Kind switch
    {
        NodeKind.Miner => "miner",
        NodeKind.Processor => "processor",
        _ => "output",
    };

    private static JsonObject Item(FeedEntry entry) => new()
    {
        ["indicator"] = entry.Indicator,
        ["value"] = entry.Value is { } value ? JsonNode.Parse(value) : null,
    };
}
