using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Hosting.Graph;

/// <summary>Loads and validates the graph once; an invalid graph stops the process at start with every error.</summary>
public sealed class GraphProvider(IOptions<GraphOptions> options)
{
    private readonly Lazy<GraphLoadResult> _result = new(() => GraphLoader.LoadFile(options.Value.Path, PrototypeLibrary.Create(options.Value.PrototypeDirectories)));

    /// <summary>The graph and what was found wrong with it, for a caller that reports the errors itself.</summary>
    public GraphLoadResult Result => _result.Value;

    public NodeGraph Graph => Result.Graph ?? throw new InvalidOperationException(
        $"graph {options.Value.Path} is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, Result.Errors)}");
}
