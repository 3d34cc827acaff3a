namespace Minemeld.Streams.Core.Graph;

/// <summary>The outcome of loading a graph: the graph when it is valid, and every diagnostic either way.</summary>
public sealed record GraphLoadResult(NodeGraph? Graph, IReadOnlyList<GraphDiagnostic> Diagnostics)
{
    public bool IsValid => Graph is not null;

    public IEnumerable<GraphDiagnostic> Errors => Diagnostics.Where(static d => d.IsError);

    public IEnumerable<GraphDiagnostic> Warnings => Diagnostics.Where(static d => !d.IsError);
}
