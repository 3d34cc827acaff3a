using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Applies a graph change (MineMeld's commit) to the state store, with every worker of the graph stopped:
/// deleted nodes lose their state, reset nodes lose theirs (a list miner keeps its list), miners to rebuild get a
/// command they carry out on their next poll (re-emit every live indicator), and the new graph becomes the
/// committed one, last, so a commit that fails half-way is simply run again. Consumer offsets are kept: a reset
/// node goes on from where it was and is refilled by the rebuilds; a new node reads its inputs from the start.
/// </summary>
public sealed class GraphCommitter(IStateStore store)
{
    public const string RebuildCommand = "rebuild";

    /// <summary>The plan for running <paramref name="graph"/> against what is committed.</summary>
    public async Task<GraphCommitPlan> PlanAsync(NodeGraph graph, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return GraphCommitPlan.Compute(graph, await CommittedAsync(graph.Name, cancellationToken).ConfigureAwait(false));
    }

    public async Task ApplyAsync(NodeGraph graph, GraphCommitPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var node in plan.Deleted)
        {
            await store.DeleteNodeStateAsync(graph.Name, node, keepList: false, cancellationToken).ConfigureAwait(false);
        }

        var commands = store.NodeCommands(graph.Name);
        await commands.DeleteAsync([.. plan.Deleted, .. plan.Startups.Keys], cancellationToken).ConfigureAwait(false);
        foreach (var (node, startup) in plan.Startups.Where(static s => s.Value == NodeStartup.Reset))
        {
            await store.DeleteNodeStateAsync(graph.Name, node, keepList: true, cancellationToken).ConfigureAwait(false);
        }

        await commands.WriteAsync([.. plan.Startups.Where(static s => s.Value == NodeStartup.Rebuild).Select(static s => RecordText.Entry(s.Key, RebuildCommand))], [], cancellationToken).ConfigureAwait(false);
        await RecordAsync(graph, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For a worker about to run <paramref name="graph"/>: null when it is the committed graph (or nothing was
    /// committed yet, in which case it is recorded as committed: a first start has no state to reconcile);
    /// otherwise what differs, for an error that tells the operator to run <c>minemeld commit</c>.
    /// </summary>
    public async Task<string?> CheckAsync(NodeGraph graph, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var committed = await CommittedAsync(graph.Name, cancellationToken).ConfigureAwait(false);
        if (committed.Count == 0)
        {
            await RecordAsync(graph, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var plan = GraphCommitPlan.Compute(graph, committed);
        return plan.IsUnchanged ? null : $"graph {graph.Name} differs from the committed one ({string.Join("; ", plan.Describe().Where(static d => !d.Contains(": unchanged", StringComparison.Ordinal)))}); stop its workers and run `minemeld commit`";
    }

    private Task RecordAsync(NodeGraph graph, CancellationToken cancellationToken) =>
        store.CommittedGraph(graph.Name).ReplaceAllAsync([.. graph.Nodes.Select(static n => RecordText.Entry(n.Name, NodeFingerprint.Of(n).ToJson()))], cancellationToken);

    private async Task<Dictionary<string, NodeFingerprint>> CommittedAsync(string graph, CancellationToken cancellationToken)
    {
        var committed = new Dictionary<string, NodeFingerprint>(StringComparer.Ordinal);
        foreach (var (node, value) in await store.CommittedGraph(graph).GetAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var json = RecordText.Of(value);
            // An unreadable record counts as a node of unknown class: it differs from anything, so it resets.
            committed[node] = NodeFingerprint.Parse(json) ?? new NodeFingerprint("?", json, [], false, 0);
        }

        return committed;
    }
}
