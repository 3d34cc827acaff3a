using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// The emit path of docs/minemeld-engine.md, "The emit path": outfilters run with <c>__origin</c> set to the node
/// itself; an emission they drop is not sent (and is not turned into a withdraw).
/// </summary>
public static class OutputFilter
{
    /// <summary>
    /// The emissions the outfilters accept: <paramref name="emissions"/> itself when the node has none.
    /// </summary>
    public static IReadOnlyList<Emission> Apply(FilterSet outfilters, string node, IReadOnlyList<Emission> emissions)
    {
        ArgumentNullException.ThrowIfNull(outfilters);
        return outfilters.Filters.Count == 0
            ? emissions
            : [.. emissions.Where(e => outfilters.Evaluate(Context(e, node)) == FilterDecision.Accept)];
    }

    /// <summary>
    /// An emission's value as the filters see it: its tree, or its bytes read an attribute at a time.
    /// </summary>
    private static FilterContext Context(in Emission emission, string node) =>
        new(emission.Value, emission.Indicator, emission.Op == MessageOp.Update ? "update" : "withdraw", node);
}
