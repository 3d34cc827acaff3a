using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Graph;

/// <summary>
/// Loads a graph in MineMeld's config format (docs/minemeld-engine.md, "Graph files and prototypes"): <c>nodes:</c>
/// name → <c>{prototype|class, inputs, output, config}</c>; <c>fabric</c>/<c>mgmtbus</c> are accepted and ignored.
/// Prototypes are resolved and their config deep-merged under the node's; then the graph is validated, collecting every
/// problem (docs/minemeld-engine.md, "Validation"): bad node name, unknown prototype, class or input, input whose
/// output is disabled, miner with inputs, feed output that publishes, cycle, and every config value the node class
/// rejects. Our additions, outside MineMeld's format but harmless to it: a top-level <c>name</c> (defaults to the file
/// name) and <c>partitions</c>, and a per-node <c>partitions</c>.
/// </summary>
public static partial class GraphLoader
{
    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex NodeName();

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,100}$")]
    private static partial Regex GraphName();

    public static GraphLoadResult LoadFile(string path, PrototypeLibrary prototypes)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new GraphLoadResult(null, [new GraphDiagnostic(DiagnosticSeverity.Error, null, null, $"cannot read graph: {ex.Message}", new SourceLocation(path, 0, 0))]);
        }

        return Parse(text, path, Path.GetFileNameWithoutExtension(path), prototypes);
    }

    public static GraphLoadResult Parse(string text, string source, string defaultName, PrototypeLibrary prototypes)
    {
        ArgumentNullException.ThrowIfNull(prototypes);
        JsonNode? root;
        SourceMap map;
        try
        {
            (root, map) = YamlDocument.Parse(text, source);
        }
        catch (YamlLoadException ex)
        {
            return new GraphLoadResult(null, [GraphDiagnostic.InvalidYaml(ex)]);
        }

        var builder = new Builder(map, prototypes, source);
        return builder.Build(root, defaultName);
    }

    private sealed class Builder(SourceMap map, PrototypeLibrary prototypes, string source)
    {
        private readonly List<GraphDiagnostic> _diagnostics = [];

        public GraphLoadResult Build(JsonNode? root, string defaultName)
        {
            if (root is not null and not JsonObject)
            {
                Error(null, null, string.Empty, "Invalid config YAML type: a graph is a mapping with a 'nodes' key");
                return Result(null);
            }

            var top = root as JsonObject ?? [];
            var name = GraphNameOf(top, defaultName);
            var defaultPartitions = Partitions(top["partitions"], null, "partitions", NodeGraph.DefaultPartitions);
            foreach (var (key, _) in top)
            {
                if (key is not ("nodes" or "fabric" or "mgmtbus" or "name" or "partitions"))
                {
                    Warning(null, key, key, $"unknown top-level key '{key}' (ignored)");
                }
            }

            var nodesNode = top["nodes"];
            if (nodesNode is not null and not JsonObject)
            {
                Error(null, "nodes", "nodes", $"'nodes' must be a mapping of node names to node definitions, not {JsonNodeValues.Describe(nodesNode)}");
                return Result(null);
            }

            var specs = (nodesNode as JsonObject ?? []).ToList();
            if (specs.Count == 0)
            {
                Warning(null, "nodes", "nodes", "the graph has no nodes");
            }

            var resolved = new List<GraphNode>();
            var declared = new Dictionary<string, (bool Output, NodeKind? Kind)>(StringComparer.Ordinal);
            var inputsOf = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (nodeName, spec) in specs)
            {
                var node = ResolveNode(nodeName, spec, defaultPartitions);
                declared[nodeName] = (node.Output, node.Resolved?.Kind);
                inputsOf[nodeName] = node.Inputs;
                if (node.Resolved is not null)
                {
                    resolved.Add(node.Resolved);
                }
            }

            CheckEdges(declared, inputsOf);
            CheckCycles(inputsOf);
            return Result(_diagnostics.Any(static d => d.IsError) ? null : new NodeGraph(name, resolved, source));
        }

        private string GraphNameOf(JsonObject top, string defaultName)
        {
            if (top["name"] is { } nameNode)
            {
                if (JsonNodeValues.TryGetString(nameNode, out var explicitName) && GraphName().IsMatch(explicitName))
                {
                    return explicitName;
                }

                Error(null, "name", "name", "the graph name must be 1-100 letters, digits, '.', '_' or '-' (it becomes part of Kafka topic names)");
            }

            var cleaned = Regex.Replace(defaultName, "[^a-zA-Z0-9_.-]", "_");
            return cleaned.Length == 0 ? "graph" : cleaned;
        }

        private int Partitions(JsonNode? node, string? nodeName, string path, int fallback)
        {
            if (node is null)
            {
                return fallback;
            }

            if (!JsonNodeValues.TryGetInt64(node, out var n) || n < 1 || n > 10_000)
            {
                Error(nodeName, "partitions", path, $"partitions must be an integer from 1 to 10000, not {JsonNodeValues.Describe(node)}");
                return fallback;
            }

            return (int)n;
        }

        /// <summary>
        /// One node of the graph: its keys, its class (from its prototype or named), its config (the prototype's with
        /// the node's merged over it) checked by the class, and the rules of its role. The inputs and output flag are
        /// returned even when the node does not resolve, so that the graph's edges are still checked.
        /// </summary>
        private (GraphNode? Resolved, bool Output, IReadOnlyList<string> Inputs) ResolveNode(string name, JsonNode? specNode, int defaultPartitions)
        {
            var at = $"nodes/{name}";
            if (!NodeName().IsMatch(name))
            {
                Error(name, null, at, $"{name} node name is invalid (letters, digits, '_' and '-' only)");
            }

            if (specNode is not JsonObject spec)
            {
                Error(name, null, at, $"a node definition is a mapping (prototype, inputs, output, config), not {JsonNodeValues.Describe(specNode)}");
                return (null, false, []);
            }

            CheckNodeKeys(name, spec, at);
            var inputs = Inputs(name, spec["inputs"], $"{at}/inputs");
            var output = false;
            if (spec["output"] is { } outputNode && !JsonNodeValues.TryGetBoolean(outputNode, out output))
            {
                Error(name, "output", $"{at}/output", $"output must be true or false, not {JsonNodeValues.Describe(outputNode)}");
            }

            var partitions = Partitions(spec["partitions"], name, $"{at}/partitions", defaultPartitions);
            var nodeConfig = spec["config"];
            if (nodeConfig is not null and not JsonObject)
            {
                Error(name, "config", $"{at}/config", $"config must be a mapping, not {JsonNodeValues.Describe(nodeConfig)}");
                nodeConfig = null;
            }

            if (ClassOf(name, spec, at) is not { } resolved)
            {
                return (null, output, inputs);
            }

            var (className, prototypeName, prototype, descriptor) = resolved;

            var config = JsonMerge.Deep(prototype?.Config, nodeConfig as JsonObject);
            var issues = descriptor.Check(config);
            foreach (var (path, message) in issues.Errors)
            {
                Report(DiagnosticSeverity.Error, name, path, message, prototype);
            }

            foreach (var (path, message) in issues.Warnings)
            {
                Report(DiagnosticSeverity.Warning, name, path, message, prototype);
            }

            output = CheckRole(name, at, className, descriptor, inputs.Count, output, config);
            var node = new GraphNode(name, prototypeName, className, descriptor, inputs, output, config, partitions, map.Find(at));
            return (node, output, inputs);
        }

        private void CheckNodeKeys(string name, JsonObject spec, string at)
        {
            foreach (var (key, _) in spec)
            {
                if (key == "args")
                {
                    // MineMeld's graphs before 0.9 (its early examples and playbooks) called the node's config args.
                    Warning(name, key, $"{at}/{key}", "'args' is what MineMeld before 0.9 called 'config': rename it to config (ignored as it is)");
                }
                else if (key is not ("prototype" or "class" or "config" or "inputs" or "output" or "partitions"))
                {
                    Warning(name, key, $"{at}/{key}", $"unknown node key '{key}' (ignored)");
                }
            }
        }

        /// <summary>
        /// The node's class: its prototype's when it names one that resolves, else its <c>class</c>; null (with the
        /// error reported) when there is none or the class is not one this engine runs.
        /// </summary>
        private (string ClassName, string? PrototypeName, Prototype? Prototype, NodeClassDescriptor Descriptor)? ClassOf(string name, JsonObject spec, string at)
        {
            string? className = null;
            Prototype? prototype = null;
            string? prototypeName = null;
            if (spec["prototype"] is { } prototypeNode)
            {
                if (!JsonNodeValues.TryGetString(prototypeNode, out prototypeName))
                {
                    Error(name, "prototype", $"{at}/prototype", $"prototype must be a string (library.name), not {JsonNodeValues.Describe(prototypeNode)}");
                }
                else if (!prototypes.TryResolve(prototypeName, out prototype, out var error))
                {
                    Error(name, "prototype", $"{at}/prototype", error!);
                }
                else
                {
                    className = prototype.Class;
                }
            }

            if (className is null && spec["class"] is { } classNode)
            {
                if (!JsonNodeValues.TryGetString(classNode, out className))
                {
                    Error(name, "class", $"{at}/class", $"class must be a string, not {JsonNodeValues.Describe(classNode)}");
                }
            }

            if (className is null)
            {
                if (prototype is null && spec["prototype"] is null)
                {
                    Error(name, null, at, $"No class in {name}");
                }

                return null;
            }

            if (!NodeClassRegistry.TryGet(className, out var descriptor))
            {
                var why = NodeClassRegistry.WhyNotImplemented(className) is { } reason
                    ? $"node class {className} is a MineMeld class that Minemeld.Streams does not implement: {reason}"
                    : $"Unknown node class {className}";
                Error(name, prototype is null ? "class" : "prototype", prototype is null ? $"{at}/class" : $"{at}/prototype", why);
                return null;
            }

            return (className, prototypeName, prototype, descriptor);
        }

        /// <summary>The rules of the node's role (miner, processor, output); returns its output flag as it runs.</summary>
        private bool CheckRole(string name, string at, string className, NodeClassDescriptor descriptor, int inputCount, bool output, JsonObject config)
        {
            if (descriptor.Kind == NodeKind.Miner && inputCount > 0)
            {
                Error(name, "inputs", $"{at}/inputs", $"{name} is a miner ({className}) and cannot have inputs");
            }

            if (descriptor.Kind == NodeKind.Output && output)
            {
                // MineMeld ignored it, and its own graphs set it: a warning, and the node does not publish.
                Warning(name, "output", $"{at}/output", $"{name} is {(descriptor.Name == NodeClassRegistry.RedisSet ? "a feed output" : "an output")} ({className}): it never publishes, output: true is ignored");
                output = false;
            }

            if (descriptor.Kind == NodeKind.Processor && inputCount == 0)
            {
                Warning(name, "inputs", at, $"{name} is a processor with no inputs: it will never emit anything");
            }

            if (descriptor.Kind == NodeKind.Miner && config["infilters"] is JsonArray { Count: > 0 })
            {
                Warning(name, "config.infilters", $"{at}/config/infilters", "a miner has no inputs: its infilters never run");
            }

            return output;
        }

        private List<string> Inputs(string name, JsonNode? node, string at)
        {
            var inputs = new List<string>();
            if (node is null)
            {
                return inputs;
            }

            if (node is not JsonArray list)
            {
                Error(name, "inputs", at, $"inputs must be a list of node names, not {JsonNodeValues.Describe(node)}");
                return inputs;
            }

            for (var i = 0; i < list.Count; i++)
            {
                var itemPath = $"{at}/{i.ToString(CultureInfo.InvariantCulture)}";
                if (!JsonNodeValues.TryGetString(list[i], out var input))
                {
                    Error(name, "inputs", itemPath, $"an input is a node name, not {JsonNodeValues.Describe(list[i])}");
                }
                else if (inputs.Contains(input, StringComparer.Ordinal))
                {
                    Error(name, "inputs", itemPath, $"{name} -> {input} is listed twice");
                }
                else
                {
                    inputs.Add(input);
                }
            }

            return inputs;
        }

        private void CheckEdges(Dictionary<string, (bool Output, NodeKind? Kind)> declared, Dictionary<string, IReadOnlyList<string>> inputsOf)
        {
            foreach (var (name, inputs) in inputsOf)
            {
                for (var i = 0; i < inputs.Count; i++)
                {
                    var input = inputs[i];
                    var at = $"nodes/{name}/inputs/{i.ToString(CultureInfo.InvariantCulture)}";
                    if (!declared.TryGetValue(input, out var upstream))
                    {
                        Error(name, "inputs", at, $"{name} -> {input} is unknown");
                    }
                    else if (!upstream.Output)
                    {
                        Error(name, "inputs", at, $"{name} -> {input} output disabled");
                    }
                }
            }
        }

        /// <summary>Kahn's algorithm over the edges between known nodes; what is left over lies on a cycle.</summary>
        private void CheckCycles(Dictionary<string, IReadOnlyList<string>> inputsOf)
        {
            var pending = inputsOf.ToDictionary(static p => p.Key, p => p.Value.Count(inputsOf.ContainsKey), StringComparer.Ordinal);
            var consumers = inputsOf.Keys.ToDictionary(static k => k, static _ => new List<string>(), StringComparer.Ordinal);
            foreach (var (name, inputs) in inputsOf)
            {
                foreach (var input in inputs.Where(inputsOf.ContainsKey))
                {
                    consumers[input].Add(name);
                }
            }

            var ready = new Queue<string>(pending.Where(static p => p.Value == 0).Select(static p => p.Key));
            while (ready.Count > 0)
            {
                foreach (var consumer in consumers[ready.Dequeue()])
                {
                    if (--pending[consumer] == 0)
                    {
                        ready.Enqueue(consumer);
                    }
                }
            }

            // What is left is on a cycle or downstream of one: each cycle is reported with its own nodes only (the
            // strongly connected components of what is left), at the first of them in the file.
            var left = pending.Where(static p => p.Value > 0).Select(static p => p.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var cycle in Cycles(left, inputsOf))
            {
                Error(cycle[0], "inputs", $"nodes/{cycle[0]}", $"loop detected among nodes {string.Join(", ", cycle)}");
            }
        }

        /// <summary>
        /// Tarjan's strongly connected components of <paramref name="nodes"/> (edges from a node to its inputs),
        /// keeping those that loop: more than one node, or a node that is its own input. Nodes keep the file's order.
        /// </summary>
        private static List<List<string>> Cycles(HashSet<string> nodes, Dictionary<string, IReadOnlyList<string>> inputsOf)
        {
            var order = inputsOf.Keys.Select(static (name, i) => (name, i)).ToDictionary(static p => p.name, static p => p.i, StringComparer.Ordinal);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var cycles = new List<List<string>>();
            foreach (var start in nodes.OrderBy(n => order[n]))
            {
                if (!index.ContainsKey(start))
                {
                    Visit(start);
                }
            }

            return [.. cycles.OrderBy(c => order[c[0]])];

            void Visit(string node)
            {
                index[node] = low[node] = index.Count;
                stack.Push(node);
                onStack.Add(node);
                foreach (var input in inputsOf[node].Where(nodes.Contains))
                {
                    if (!index.TryGetValue(input, out var seen))
                    {
                        Visit(input);
                        low[node] = Math.Min(low[node], low[input]);
                    }
                    else if (onStack.Contains(input))
                    {
                        low[node] = Math.Min(low[node], seen);
                    }
                }

                if (low[node] != index[node])
                {
                    return;
                }

                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1 || inputsOf[node].Contains(node, StringComparer.Ordinal))
                {
                    cycles.Add([.. component.OrderBy(n => order[n])]);
                }
            }
        }

        /// <summary>
        /// A config problem, located in the graph file if the node set the key, else in the prototype file.
        /// </summary>
        private void Report(DiagnosticSeverity severity, string node, string path, string message, Prototype? prototype)
        {
            var graphPath = $"nodes/{node}/config/{path}";
            SourceLocation location;
            if (map.Contains(graphPath) || prototype is null)
            {
                location = map.Find(graphPath);
            }
            else
            {
                location = prototype.SourceMap.Find($"prototypes/{prototype.Name}/config/{path}");
                message = $"{message} (from prototype {prototype.FullName})";
            }

            _diagnostics.Add(new GraphDiagnostic(severity, node, "config." + path.Replace('/', '.'), message, location));
        }

        private void Error(string? node, string? key, string path, string message) =>
            _diagnostics.Add(new GraphDiagnostic(DiagnosticSeverity.Error, node, key, message, map.Find(path)));

        private void Warning(string? node, string? key, string path, string message) =>
            _diagnostics.Add(new GraphDiagnostic(DiagnosticSeverity.Warning, node, key, message, map.Find(path)));

        /// <summary>
        /// Diagnostics in file order (graph file first, then prototype files), as an editor would list them.
        /// </summary>
        private GraphLoadResult Result(NodeGraph? graph) =>
            new(graph, [.. _diagnostics
                .OrderBy(d => d.Location.Source == source ? 0 : 1)
                .ThenBy(static d => d.Location.Source, StringComparer.Ordinal)
                .ThenBy(static d => d.Location.Line)
                .ThenBy(static d => d.Location.Column)]);

        public override string ToString() => source;
    }
}
