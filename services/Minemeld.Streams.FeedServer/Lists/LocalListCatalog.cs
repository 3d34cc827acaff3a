using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Lists;

/// <summary>
/// The graph's local-list miners (MineMeld's <c>Yaml*FT</c> and <c>localdb.Miner</c>) and their stores.
/// </summary>
public sealed class LocalListCatalog(NodeGraph graph, IStateStore store)
{
    private static readonly HashSet<string> ListClasses = new(StringComparer.Ordinal)
    {
        NodeClassRegistry.YamlFT, NodeClassRegistry.YamlIPv4FT, NodeClassRegistry.YamlIPv6FT,
        NodeClassRegistry.YamlUrlFT, NodeClassRegistry.YamlDomainFT, NodeClassRegistry.LocalDbMiner,
    };

    public bool TryGet(string node, out LocalList list)
    {
        if (graph.TryGetNode(node, out var graphNode) && ListClasses.Contains(graphNode.Class.Name))
        {
            list = new LocalList(graphNode, new LocalListStore(store, graph.Name, node, graphNode.Class.ForcedIndicatorType));
            return true;
        }

        list = null!;
        return false;
    }

    /// <summary>MineMeld's side-file name <c>&lt;node&gt;_indicators</c> to its node.</summary>
    public bool TryGetBySideFile(string name, out LocalList list)
    {
        const string Suffix = "_indicators";
        list = null!;
        return name.EndsWith(Suffix, StringComparison.Ordinal) && TryGet(name[..^Suffix.Length], out list);
    }
}
