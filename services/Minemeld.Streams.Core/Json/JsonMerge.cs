using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Deep merge of configs (docs/minemeld-compatibility.md, difference 1): mappings merge key by key, anything else is
/// replaced.
/// </summary>
public static class JsonMerge
{
    /// <summary>
    /// A new object: <paramref name="overlay"/> merged over <paramref name="baseline"/>; inputs are untouched.
    /// </summary>
    public static JsonObject Deep(JsonObject? baseline, JsonObject? overlay)
    {
        var result = baseline is null ? [] : (JsonObject)baseline.DeepClone();
        if (overlay is null)
        {
            return result;
        }

        foreach (var (key, value) in overlay)
        {
            if (value is JsonObject overlayChild && result[key] is JsonObject baseChild)
            {
                result[key] = Deep(baseChild, overlayChild);
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }
}
