using System.Globalization;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Filters;

/// <summary>An ordered filter list; no deciding match means accept (docs/minemeld-engine.md, "Filters").</summary>
public sealed class FilterSet
{
    public FilterSet(IReadOnlyList<Filter> filters)
    {
        Filters = filters;
    }

    public static FilterSet Empty { get; } = new([]);

    public IReadOnlyList<Filter> Filters { get; }

    public FilterDecision Evaluate(in FilterContext context)
    {
        // Indexed, not foreach, here and in Filter: an enumerator through the interface is an allocation per message.
        for (var i = 0; i < Filters.Count; i++)
        {
            var filter = Filters[i];
            if (filter.Matches(context) && filter.Decision() is { } decision)
            {
                return decision;
            }
        }

        return FilterDecision.Accept;
    }

    /// <summary>
    /// Builds a filter set from its YAML/JSON form. Every problem is reported through <paramref name="error"/> with
    /// the path below the filter list it concerns (<c>2/conditions/0</c>); the filters that are well formed are
    /// still returned.
    /// </summary>
    public static FilterSet FromConfig(JsonNode? config, Action<string, string> error, Action<string, string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (config is null)
        {
            return Empty;
        }

        if (config is not JsonArray list)
        {
            error(string.Empty, $"must be a list of filters, not {JsonNodeValues.Describe(config)}");
            return Empty;
        }

        var filters = new List<Filter>();
        for (var i = 0; i < list.Count; i++)
        {
            var at = i.ToString(CultureInfo.InvariantCulture);
            if (list[i] is not JsonObject entry)
            {
                error(at, $"a filter is a mapping with name, conditions and actions, not {JsonNodeValues.Describe(list[i])}");
                continue;
            }

            var name = JsonNodeValues.TryGetString(entry["name"], out var n) ? n : $"filter_{at}";
            var conditions = new List<Condition>();
            var ok = true;
            if (entry["conditions"] is JsonArray conditionList)
            {
                for (var c = 0; c < conditionList.Count; c++)
                {
                    var conditionPath = $"{at}/conditions/{c.ToString(CultureInfo.InvariantCulture)}";
                    if (!JsonNodeValues.TryGetString(conditionList[c], out var text))
                    {
                        error(conditionPath, $"a condition is a string, not {JsonNodeValues.Describe(conditionList[c])}");
                        ok = false;
                        continue;
                    }

                    try
                    {
                        conditions.Add(Condition.Parse(text));
                    }
                    catch (ConditionSyntaxException ex)
                    {
                        error(conditionPath, $"bad condition: {ex.Message}");
                        ok = false;
                    }
                }
            }
            else if (entry["conditions"] is not null)
            {
                error($"{at}/conditions", $"conditions must be a list of strings, not {JsonNodeValues.Describe(entry["conditions"])}");
                ok = false;
            }

            var actions = new List<string>();
            if (entry["actions"] is JsonArray actionList && actionList.Count > 0)
            {
                foreach (var action in actionList)
                {
                    if (JsonNodeValues.TryGetString(action, out var a))
                    {
                        actions.Add(a);
                        if (a is not (Filter.AcceptAction or Filter.DropAction))
                        {
                            warning?.Invoke($"{at}/actions", $"action '{a}' is neither accept nor drop and is ignored");
                        }
                    }
                    else
                    {
                        error($"{at}/actions", $"an action is a string, not {JsonNodeValues.Describe(action)}");
                        ok = false;
                    }
                }
            }
            else
            {
                error($"{at}/actions", "every filter needs a non-empty list of actions (accept or drop)");
                ok = false;
            }

            if (ok)
            {
                filters.Add(new Filter(name, conditions, actions));
            }
        }

        return new FilterSet(filters);
    }
}
