using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// What a filter sees (docs/minemeld-engine.md, "Filters"): the indicator's value plus <c>__indicator</c>, <c>__method</c>
/// (<c>update</c>/<c>withdraw</c>) and <c>__origin</c> (the sending node for infilters, the node itself for
/// outfilters).
/// </summary>
public readonly record struct FilterContext(JsonObject? Value, string Indicator, string Method, string Origin)
{
    public const string IndicatorKey = "__indicator";
    public const string MethodKey = "__method";
    public const string OriginKey = "__origin";

    /// <summary>
    /// The value as UTF-8 JSON, when there is no tree (<see cref="Value"/> null): attributes are then read from the
    /// bytes one at a time, and the object is built only for a JMESPath expression that needs it whole.
    /// </summary>
    public ReadOnlyMemory<byte> Utf8Value { get; init; }

    /// <summary>
    /// Where <see cref="Utf8Value"/>'s properties lie, when the caller indexed it: conditions look attributes up there
    /// instead of scanning the value once each (an index that no longer covers the value is not used).
    /// </summary>
    public Json.Utf8PropertyIndex? Utf8Properties { get; init; }

    /// <summary>A context over a value kept as UTF-8 JSON (empty for none), with its property index when there is one.</summary>
    public static FilterContext OfUtf8(ReadOnlyMemory<byte> utf8Value, string indicator, string method, string origin, Json.Utf8PropertyIndex? properties = null) =>
        new(null, indicator, method, origin) { Utf8Value = utf8Value, Utf8Properties = properties };

    public JsonNode? Lookup(string name) => name switch
    {
        IndicatorKey => JsonValue.Create(Indicator),
        MethodKey => JsonValue.Create(Method),
        OriginKey => JsonValue.Create(Origin),
        _ => Value is not null ? Value[name] : Utf8Value.IsEmpty ? null : Json.Utf8JsonObject.Property(Utf8Value.Span, name),
    };

    /// <summary>The whole context as one object (for JMESPath function expressions).</summary>
    public JsonObject ToObject()
    {
        var obj = Value is not null ? (JsonObject)Value.DeepClone()
            : Utf8Value.IsEmpty ? [] : Json.JsonObjectReader.ParseObject(Utf8Value.Span) ?? [];
        obj[IndicatorKey] = Indicator;
        obj[MethodKey] = Method;
        obj[OriginKey] = Origin;
        return obj;
    }
}
