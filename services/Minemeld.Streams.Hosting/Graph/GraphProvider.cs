using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Hosting.Graph;

/// <summary>Loads and validates the graph once; an invalid graph stops the process at start with every error.</summary>
public sealed class GraphProvider(IOptions<GraphOptions> options)
{
    private readonly Lazy<NodeGraph> _graph = new(() => Load(options.Value));

    public NodeGraph Graph => _graph.Value;

    private static NodeGraph Load(GraphOptions options)
    {
        var result = GraphLoader.LoadFile(options.Path, PrototypeLibrary.Create(options.PrototypeDirectories));
        return result.Graph ?? throw new InvalidOperationException(
            $"graph {options.Path} is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
    }
}
