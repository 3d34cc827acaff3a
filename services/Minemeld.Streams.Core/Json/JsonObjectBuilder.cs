using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Collections;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Collects an object's properties and builds the <see cref="JsonObject"/> once, its dictionary sized to fit: setting
/// properties one by one on a <see cref="JsonObject"/> grows it step by step, which is measurable when a miner builds
/// a value per indicator. <see cref="Set"/> keeps a property's first position and its last value, as an indexer
/// assignment on a <see cref="JsonObject"/> does.
/// </summary>
public sealed class JsonObjectBuilder(int capacity = 8)
{
    private const int IndexFrom = 16;

    /// <summary>A builder kept for reuse (<see cref="Clear"/>) does not hold on to more room than this.</summary>
    private const int MaxKeptCapacity = 1024;

    private readonly List<KeyValuePair<string, JsonNode?>> _properties = new(capacity);
    private Dictionary<string, int>? _index;

    public int Count => _properties.Count;

    public void Set(string name, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(name);
        var at = IndexOf(name);
        if (at >= 0)
        {
            _properties[at] = KeyValuePair.Create(name, node);
            return;
        }

        _index?.Add(name, _properties.Count);
        _properties.Add(KeyValuePair.Create(name, node));
        if (_index is null && _properties.Count == IndexFrom)
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _properties.Count; i++)
            {
                _index[_properties[i].Key] = i;
            }
        }
    }

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>
    /// The object; the builder is not to be used again until <see cref="Clear"/> (its nodes now have a parent).
    /// </summary>
    public JsonObject Build() => new(_properties);

    /// <summary>
    /// Empties the builder for another object (it keeps its capacity, unless an unusually large object grew it).
    /// </summary>
    public void Clear()
    {
        ReusedList.Empty(_properties, MaxKeptCapacity);
        _index = null;
    }

    private int IndexOf(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var at) ? at : -1;
        }

        for (var i = 0; i < _properties.Count; i++)
        {
            if (string.Equals(_properties[i].Key, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
