namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// One entry of an <c>infilters</c>/<c>outfilters</c> list: it matches when all its conditions are true (no
/// conditions: always); its actions are scanned in order and the first <c>accept</c> or <c>drop</c> decides. A
/// matching filter with neither falls through to the next filter (docs/minemeld-engine.md, "Filters").
/// </summary>
public sealed record Filter(string Name, IReadOnlyList<Condition> Conditions, IReadOnlyList<string> Actions)
{
    public const string AcceptAction = "accept";
    public const string DropAction = "drop";

    public bool Matches(in FilterContext context)
    {
        for (var i = 0; i < Conditions.Count; i++)
        {
            if (!Conditions[i].Evaluate(context))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The decision of this filter's actions, or null when they hold neither accept nor drop.</summary>
    public FilterDecision? Decision()
    {
        for (var i = 0; i < Actions.Count; i++)
        {
            switch (Actions[i])
            {
                case AcceptAction:
                    return FilterDecision.Accept;
                case DropAction:
                    return FilterDecision.Drop;
            }
        }

        return null;
    }
}
