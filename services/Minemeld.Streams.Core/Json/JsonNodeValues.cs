using System.Text.Json;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Typed reads from <see cref="JsonNode"/> values, whether they were parsed from JSON (element-backed) or built
/// from YAML or code (primitive-backed): <c>JsonValue.TryGetValue&lt;double&gt;</c> alone does not convert a
/// <see cref="long"/>-backed value.
/// </summary>
public static class JsonNodeValues
{
    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    public static bool IsNumber(JsonNode? node) => Kind(node) == JsonValueKind.Number;

    public static bool IsInteger(JsonNode? node) => TryGetInt64(node, out _);

    public static bool TryGetInt64(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue(out long l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue(out int i))
        {
            value = i;
            return true;
        }

        // A float-backed value (3.0) is a float, as in Python: not an integer.
        return v.TryGetValue(out JsonElement element) && element.TryGetInt64(out value);
    }

    public static bool TryGetDouble(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue(out long l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue(out int i))
        {
            value = i;
            return true;
        }

        if (v.TryGetValue(out decimal m))
        {
            value = (double)m;
            return true;
        }

        if (v.TryGetValue(out JsonElement element))
        {
            return element.TryGetDouble(out value);
        }

        return false;
    }

    public static bool TryGetString(JsonNode? node, out string value)
    {
        value = string.Empty;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s))
        {
            value = s;
            return true;
        }

        if (node is JsonValue e && e.GetValueKind() == JsonValueKind.String && e.TryGetValue(out JsonElement element))
        {
            value = element.GetString()!;
            return true;
        }

        return false;
    }

    public static bool TryGetBoolean(JsonNode? node, out bool value)
    {
        value = false;
        var kind = Kind(node);
        if (kind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = kind == JsonValueKind.True;
        return true;
    }

    /// <summary>A short human description of a node's type, for error messages.</summary>
    public static string Describe(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => IsInteger(node) ? "an integer" : "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "a mapping",
        _ => "a value",
    };
}
