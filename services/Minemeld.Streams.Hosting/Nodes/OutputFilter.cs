using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// The emit path of spec §3.3: outfilters run with <c>__origin</c> set to the node itself; an emission they drop
/// is not sent (and is not turned into a withdraw).
/// </summary>
public static class OutputFilter
{
    public static List<Emission> Apply(FilterSet outfilters, string node, IEnumerable<Emission> emissions)
    {
        ArgumentNullException.ThrowIfNull(outfilters);
        return outfilters.Filters.Count == 0
            ? [.. emissions]
            : [.. emissions.Where(e => outfilters.Evaluate(new FilterContext(e.Value, e.Indicator, e.Op == MessageOp.Update ? "update" : "withdraw", node)) == FilterDecision.Accept)];
    }
}
