namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Ready when the graph runtime started, every consumer has partitions, no node stopped on an error, no miner this
/// process holds is overdue, and the miners' leases were renewed lately.
/// </summary>
public sealed class GraphRuntimeReadiness(GraphRuntimeService runtime, TimeProvider time) : IReadinessCheck
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

        var now = time.GetUtcNow();
        return graph.Consumers.Where(static c => c.FatalError is not null).Select(static c => $"{c.Node}: {c.FatalError}")
            .Concat(graph.Consumers.Where(static c => !c.HasAssignment).Select(static c => $"{c.Node}: no partitions assigned yet"))
            .Concat(graph.MinerServices.Select(m => m.Miner.Overdue(now)).OfType<string>())
            .Concat(graph.LeaseKeeper?.Lapsed(now) is { } lapsed ? [lapsed] : []);
    }
}
