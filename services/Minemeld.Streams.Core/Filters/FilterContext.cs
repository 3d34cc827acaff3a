using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// What a filter sees (spec §3.4): the indicator's value plus <c>__indicator</c>, <c>__method</c>
/// (<c>update</c>/<c>withdraw</c>) and <c>__origin</c> (the sending node for infilters, the node itself for
/// outfilters).
/// </summary>
public readonly record struct FilterContext(JsonObject? Value, string Indicator, string Method, string Origin)
{
    public const string IndicatorKey = "__indicator";
    public const string MethodKey = "__method";
    public const string OriginKey = "__origin";

    public JsonNode? Lookup(string name) => name switch
    {
        IndicatorKey => JsonValue.Create(Indicator),
        MethodKey => JsonValue.Create(Method),
        OriginKey => JsonValue.Create(Origin),
        _ => Value?[name],
    };

    /// <summary>The whole context as one object (for JMESPath function expressions).</summary>
    public JsonObject ToObject()
    {
        var obj = Value is null ? [] : (JsonObject)Value.DeepClone();
        obj[IndicatorKey] = Indicator;
        obj[MethodKey] = Method;
        obj[OriginKey] = Origin;
        return obj;
    }
}
