namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>Ready when the graph runtime started, every consumer has partitions and no node stopped on an error.</summary>
public sealed class GraphRuntimeReadiness(GraphRuntimeService runtime) : IReadinessCheck
{
    public IEnumerable<string> Problems()
    {
        if (runtime.Runtime is not { } graph)
        {
            return ["graph: not started"];
        }

        if (runtime.NotCommitted is { } difference)
        {
            return [difference];
        }

        return graph.Consumers.Where(static c => c.FatalError is not null).Select(static c => $"{c.Node}: {c.FatalError}")
            .Concat(graph.Consumers.Where(static c => !c.HasAssignment).Select(static c => $"{c.Node}: no partitions assigned yet"));
    }
}
