using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.NodeClasses;

namespace Minemeld.Streams.Core.Graph;

/// <summary>
/// What a node does with its stored state when a graph is committed (docs/minemeld-engine.md, "Commit: what a changed
/// graph does to stored state").
/// </summary>
public enum NodeStartup
{
    /// <summary>Keep the stored state and the consumer offsets: nothing about the node changed.</summary>
    Initialize,

    /// <summary>
    /// Wipe the node's state (a list miner keeps its list); it is refilled by upstream rebuilds or the next poll.
    /// </summary>
    Reset,

    /// <summary>
    /// A miner keeps its table and re-emits every live indicator once, for downstream nodes that start afresh.
    /// </summary>
    Rebuild,
}

/// <summary>
/// What a node was in the committed graph, enough to tell whether it changed: class, config (canonical JSON,
/// keys sorted), inputs in order, output flag and partition count.
/// </summary>
public sealed record NodeFingerprint(string ClassName, string Config, IReadOnlyList<string> Inputs, bool Output, int Partitions)
{
    public static NodeFingerprint Of(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new(node.Class.Name, Canonical(node.Config)!.ToJsonString(), node.Inputs, node.Output, node.Partitions);
    }

    public string ToJson() => new JsonObject
    {
        ["class"] = ClassName,
        ["config"] = Config,
        ["inputs"] = new JsonArray([.. Inputs.Select(static i => (JsonNode)i)]),
        ["output"] = Output,
        ["partitions"] = Partitions,
    }.ToJsonString();

    /// <summary>Reads a stored fingerprint; null when the text is not one (treated as an unknown node).</summary>
    public static NodeFingerprint? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject o
                && o["class"]?.GetValue<string>() is { } className
                && o["config"]?.GetValue<string>() is { } config
                && o["inputs"] is JsonArray inputs
                ? new NodeFingerprint(NodeClassRegistry.Canonical(className), config, [.. inputs.Select(static i => i!.GetValue<string>())], o["output"]?.GetValue<bool>() ?? false, o["partitions"]?.GetValue<int>() ?? 0)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public bool Equals(NodeFingerprint? other) =>
        other is not null && ClassName == other.ClassName && Config == other.Config && Inputs.SequenceEqual(other.Inputs, StringComparer.Ordinal)
        && Output == other.Output && Partitions == other.Partitions;

    public override int GetHashCode() => HashCode.Combine(ClassName, Config, Output, Partitions);

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Canonical)]),
        _ => node?.DeepClone(),
    };
}

/// <summary>
/// MineMeld's commit (docs/minemeld-engine.md, "Commit: what a changed graph does to stored state") for a graph whose
/// state lives in Redis and Kafka: compares the graph about to run with the committed one, node by node (identity is
/// name and class), and decides per weakly connected component:
/// <list type="bullet">
/// <item>nothing committed yet: every node resets;</item>
/// <item>nothing changed: every node initializes (keeps its state and offsets);</item>
/// <item>only additions (new nodes, new inputs) whose new edges all start at a miner or at a new node: new nodes
/// reset, existing miners that feed a new edge rebuild, the rest initialize;</item>
/// <item>anything else (a config, class, output or partition change, an input removed or reordered): every processor and output resets,
/// unchanged miners rebuild, new or changed miners reset.</item>
/// </list>
/// Nodes that left the graph are deleted (their state is garbage-collected).
/// </summary>
public sealed class GraphCommitPlan
{
    private GraphCommitPlan(IReadOnlyDictionary<string, NodeStartup> startups, IReadOnlyDictionary<string, string> changes, IReadOnlyList<string> deleted)
    {
        Startups = startups;
        Changes = changes;
        Deleted = deleted;
    }

    /// <summary>What each node of the new graph does at start.</summary>
    public IReadOnlyDictionary<string, NodeStartup> Startups { get; }

    /// <summary>
    /// How each node differs from the committed graph (<c>unchanged</c>, <c>added</c>, <c>config changed</c>...).
    /// </summary>
    public IReadOnlyDictionary<string, string> Changes { get; }

    /// <summary>Nodes of the committed graph that are gone.</summary>
    public IReadOnlyList<string> Deleted { get; }

    /// <summary>True when the graph is the committed one: nothing to do.</summary>
    public bool IsUnchanged => Deleted.Count == 0 && Changes.Values.All(static c => c == Unchanged);

    private const string Unchanged = "unchanged";

    private enum ChangeKind
    {
        Unchanged,
        Added,
        ClassChanged,
        ConfigChanged,
        InputsAdded,
        InputsRemoved,
        InputsReordered,
    }

    public static GraphCommitPlan Compute(NodeGraph next, IReadOnlyDictionary<string, NodeFingerprint> committed)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(committed);
        var diffs = next.Nodes.ToDictionary(static n => n.Name, n => Diff(n, committed), StringComparer.Ordinal);
        var changes = diffs.ToDictionary(static d => d.Key, static d => d.Value.Text, StringComparer.Ordinal);
        var deleted = committed.Keys.Where(name => !next.TryGetNode(name, out _)).Order(StringComparer.Ordinal).ToList();
        var startups = new Dictionary<string, NodeStartup>(StringComparer.Ordinal);
        if (committed.Count == 0)
        {
            foreach (var node in next.Nodes)
            {
                startups[node.Name] = NodeStartup.Reset;
            }

            return new GraphCommitPlan(startups, changes, deleted);
        }

        foreach (var component in Components(next))
        {
            var changed = component.Where(n => diffs[n.Name].Kind != ChangeKind.Unchanged).ToList();
            if (changed.Count == 0)
            {
                component.ForEach(n => startups[n.Name] = NodeStartup.Initialize);
            }
            else if (NewEdgeSources(changed) is { } feeders)
            {
                foreach (var node in component)
                {
                    startups[node.Name] = diffs[node.Name].Kind == ChangeKind.Added ? NodeStartup.Reset
                        : feeders.Contains(node.Name) ? NodeStartup.Rebuild
                        : NodeStartup.Initialize;
                }
            }
            else
            {
                foreach (var node in component)
                {
                    startups[node.Name] = node.Kind != NodeKind.Miner || diffs[node.Name].Kind != ChangeKind.Unchanged ? NodeStartup.Reset : NodeStartup.Rebuild;
                }
            }
        }

        return new GraphCommitPlan(startups, changes, deleted);

        // The existing miners feeding new edges, when additions are all that changed and every new edge starts at a
        // miner or a new node; null otherwise.
        HashSet<string>? NewEdgeSources(List<GraphNode> changed)
        {
            var feeders = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in changed)
            {
                var diff = diffs[node.Name];
                if (diff.Kind is not (ChangeKind.Added or ChangeKind.InputsAdded))
                {
                    return null;
                }

                foreach (var input in diff.NewInputs.Where(i => diffs[i].Kind != ChangeKind.Added))
                {
                    if (next[input].Kind != NodeKind.Miner)
                    {
                        return null;
                    }

                    feeders.Add(input);
                }
            }

            return feeders;
        }
    }

    /// <summary>One line per node, for the console and the logs.</summary>
    public IEnumerable<string> Describe() =>
        Startups.OrderBy(static s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {Changes[s.Key]} -> {s.Value.ToString().ToLowerInvariant()}")
            .Concat(Deleted.Select(static d => $"{d}: deleted -> state removed"));

    private static NodeDiff Diff(GraphNode node, IReadOnlyDictionary<string, NodeFingerprint> committed)
    {
        if (!committed.TryGetValue(node.Name, out var before))
        {
            return new(ChangeKind.Added, "added", node.Inputs);
        }

        if (before.ClassName != node.Class.Name)
        {
            // Another node under the same name: what the old one published downstream must go with it.
            return new(ChangeKind.ClassChanged, "class changed", []);
        }

        var now = NodeFingerprint.Of(node);
        if (now.Equals(before))
        {
            return new(ChangeKind.Unchanged, Unchanged, []);
        }

        if (now.Config != before.Config || now.Output != before.Output || now.Partitions != before.Partitions)
        {
            return new(ChangeKind.ConfigChanged, "config changed", []);
        }

        var removed = before.Inputs.Except(node.Inputs, StringComparer.Ordinal).ToList();
        var added = node.Inputs.Except(before.Inputs, StringComparer.Ordinal).ToList();
        return removed.Count > 0 ? new(ChangeKind.InputsRemoved, $"inputs removed: {string.Join(", ", removed)}", [])
            : added.Count > 0 ? new(ChangeKind.InputsAdded, $"inputs added: {string.Join(", ", added)}", added)
            : new(ChangeKind.InputsReordered, "inputs reordered", []); // the merge order of aggregators changed (docs/minemeld-compatibility.md, difference 9)
    }

    /// <summary>How a node differs from its committed self, said for people, and the inputs it gained.</summary>
    private sealed record NodeDiff(ChangeKind Kind, string Text, IReadOnlyList<string> NewInputs);

    private static IEnumerable<List<GraphNode>> Components(NodeGraph graph)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in graph.Nodes)
        {
            if (!seen.Add(start.Name))
            {
                continue;
            }

            var component = new List<GraphNode>();
            var pending = new Stack<string>([start.Name]);
            while (pending.TryPop(out var name))
            {
                var node = graph[name];
                component.Add(node);
                foreach (var neighbour in node.Inputs.Concat(graph.ConsumersOf(name)).Where(seen.Add))
                {
                    pending.Push(neighbour);
                }
            }

            yield return component;
        }
    }
}
