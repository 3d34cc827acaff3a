using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;

namespace Minemeld.Streams.Core.Prototypes;

/// <summary>
/// A prototype loaded as a node of a graph of its own, as an operator's graph would use it: a miner alone, a
/// processor or an output fed by a stand-in local list. What the graph loader says about that node is what it would
/// say in any graph, at the prototype file's lines for the values the prototype supplies.
/// </summary>
public static class PrototypeProbe
{
    /// <summary>The probe graph's name for the prototype's node.</summary>
    public const string NodeName = "probe";

    /// <summary>The stand-in input of processors and outputs: a local list every library has.</summary>
    public const string StandIn = "stdlib.listIPv4Generic";

    public static GraphLoadResult Load(PrototypeLibrary library, Prototype prototype)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(prototype);
        var kind = NodeClassRegistry.TryGet(prototype.Class, out var descriptor) ? descriptor.Kind : KindOf(prototype.NodeType);
        var name = $"'{prototype.FullName.Replace("'", "''", StringComparison.Ordinal)}'";
        var yaml = kind switch
        {
            NodeKind.Miner => $"nodes:\n  {NodeName}: {{prototype: {name}, output: true}}\n",
            NodeKind.Processor => $"nodes:\n  input: {{prototype: {StandIn}, output: true}}\n  {NodeName}: {{prototype: {name}, inputs: [input], output: true}}\n",
            _ => $"nodes:\n  input: {{prototype: {StandIn}, output: true}}\n  {NodeName}: {{prototype: {name}, inputs: [input], output: false}}\n",
        };
        return GraphLoader.Parse(yaml, ProbeSource(prototype), "probe", library);
    }

    /// <summary>
    /// A diagnostic of the probe's node, worded for the prototype: where, how bad, which prototype and key, what.
    /// </summary>
    public static string Describe(Prototype prototype, GraphDiagnostic diagnostic)
    {
        ArgumentNullException.ThrowIfNull(prototype);
        ArgumentNullException.ThrowIfNull(diagnostic);
        var what = diagnostic.IsError ? "error" : "warning";
        var (location, keyName) = diagnostic.Location.Source == ProbeSource(prototype)
            ? (prototype.SourceMap.Find($"prototypes/{prototype.Name}/{(diagnostic.Key == "prototype" ? "class" : string.Empty)}".TrimEnd('/')), diagnostic.Key == "prototype" ? "class" : diagnostic.Key)
            : (diagnostic.Location, diagnostic.Key);
        var key = keyName is null ? string.Empty : $", key '{keyName}'";
        return $"{location}: {what}: prototype '{prototype.FullName}'{key}: {diagnostic.Message}";
    }

    private static string ProbeSource(Prototype prototype) => $"{prototype.FullName} as a node";

    /// <summary>
    /// The node type a prototype declares, for a class this engine does not know (a miner when it says nothing).
    /// </summary>
    private static NodeKind KindOf(string? nodeType) => nodeType switch
    {
        "processor" => NodeKind.Processor,
        "output" => NodeKind.Output,
        _ => NodeKind.Miner,
    };
}
