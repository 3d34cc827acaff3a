using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// What a filter sees (docs/minemeld-engine.md, "Filters"): the indicator's value plus <c>__indicator</c>,
/// <c>__method</c> (<c>update</c>/<c>withdraw</c>) and <c>__origin</c> (the sending node for infilters, the node itself
/// for outfilters).
/// </summary>
public readonly record struct FilterContext(IndicatorJson Value, string Indicator, string Method, string Origin)
{
    public const string IndicatorKey = "__indicator";
    public const string MethodKey = "__method";
    public const string OriginKey = "__origin";

    /// <summary>
    /// Where the bytes of a value held as bytes have their properties, when the caller indexed them: conditions look
    /// attributes up there instead of scanning the value once each (an index that no longer covers the value is not
    /// used). Attributes of such a value are read from the bytes one at a time; the object is built only for a
    /// JMESPath expression that needs it whole.
    /// </summary>
    public Json.Utf8PropertyIndex? Utf8Properties { get; init; }

    public JsonNode? Lookup(string name) => name switch
    {
        IndicatorKey => JsonValue.Create(Indicator),
        MethodKey => JsonValue.Create(Method),
        OriginKey => JsonValue.Create(Origin),
        _ => Value[name],
    };

    /// <summary>The whole context as one object (for JMESPath function expressions).</summary>
    public JsonObject ToObject()
    {
        var obj = Value.Tree is { } tree ? (JsonObject)tree.DeepClone() : Value.ToTree() ?? [];
        obj[IndicatorKey] = Indicator;
        obj[MethodKey] = Method;
        obj[OriginKey] = Origin;
        return obj;
    }
}
