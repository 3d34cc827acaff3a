using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Collections;
using Minemeld.Streams.Core.Indicators;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Reads JSON objects straight into materialized nodes, in one pass of a <see cref="Utf8JsonReader"/>. Unlike
/// <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>, no <see cref="JsonDocument"/> stays
/// behind the nodes (a value kept as node state would otherwise hold its whole source text alive), integers become
/// <see cref="long"/> values, and the attribute names every indicator carries are shared strings. Numbers that are
/// not 64-bit integers keep their exact text; a repeated name keeps its last value.
/// </summary>
public static class JsonObjectReader
{
    /// <summary>
    /// Attribute names of MineMeld's schema (docs/minemeld-engine.md, "Messages and attribute values"), read without
    /// allocating a string each time.
    /// </summary>
    private static readonly string[] KnownNames =
    [
        IndicatorValue.Type, IndicatorValue.Confidence, IndicatorValue.ShareLevel, IndicatorValue.Sources, IndicatorValue.FirstSeen,
        IndicatorValue.LastSeen, IndicatorValue.Direction, IndicatorValue.Country, IndicatorValue.AutonomousSystem,
    ];

    private static readonly byte[][] KnownNamesUtf8 = [.. KnownNames.Select(Encoding.UTF8.GetBytes)];

    /// <summary>
    /// Parses a JSON text: the object, or null when the text is valid JSON of another kind. Malformed JSON throws
    /// <see cref="JsonException"/>.
    /// </summary>
    public static JsonObject? ParseObject(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var length = Encoding.UTF8.GetMaxByteCount(json.Length);
        var buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(json, buffer);
        return ParseObject(buffer[..written]);
    }

    /// <summary>Parses UTF-8 JSON: the object, or null when it is valid JSON of another kind.</summary>
    public static JsonObject? ParseObject(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        JsonObject? value = null;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            value = ReadObject(ref reader);
        }
        else
        {
            reader.Skip();
        }

        reader.Read(); // only whitespace may follow (the reader throws on anything else)
        return value;
    }

    /// <summary>Reads the object whose start the reader is at; leaves the reader at its end.</summary>
    public static JsonObject ReadObject(ref Utf8JsonReader reader) => ReadObject(ref reader, Scratch.ForThisThread(), 0);

    /// <summary>
    /// Reads the value whose first token the reader is at (null for JSON null); leaves the reader at its end.
    /// </summary>
    public static JsonNode? ReadValue(ref Utf8JsonReader reader) => ReadNode(ref reader, Scratch.ForThisThread(), 0);

    private static JsonObject ReadObject(ref Utf8JsonReader reader, Scratch scratch, int depth)
    {
        var properties = scratch.Object(depth);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref reader);
            reader.Read();
            properties.Set(name, ReadNode(ref reader, scratch, depth + 1));
        }

        var value = properties.Build();
        properties.Clear();
        return value;
    }

    private static JsonNode? ReadNode(ref Utf8JsonReader reader, Scratch scratch, int depth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, scratch, depth);
            case JsonTokenType.StartArray:
                var items = scratch.Array(depth);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadNode(ref reader, scratch, depth + 1));
                }

                var array = new JsonArray(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items));
                ReusedList.Empty(items, Scratch.MaxKeptItems);
                return array;
            case JsonTokenType.String:
                return JsonValue.Create(scratch.Strings.GetString(ref reader));
            case JsonTokenType.Number when reader.TryGetInt64(out var integer):
                return JsonValue.Create(integer);
            case JsonTokenType.Number:
                // 3.0, 1e3, huge integers: kept exactly as written (a float stays a float, as in Python).
                return JsonValue.Create(JsonElement.ParseValue(ref reader));
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            default:
                return null;
        }
    }

    private static string PropertyName(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < KnownNamesUtf8.Length; i++)
        {
            if (reader.ValueTextEquals(KnownNamesUtf8[i]))
            {
                return KnownNames[i];
            }
        }

        return reader.GetString()!;
    }

    /// <summary>
    /// The lists a parse collects properties and items in, one per nesting depth, kept per thread: every message's
    /// value is parsed, and the collecting lists would otherwise be garbage for each object. Each list is emptied after
    /// use, so nothing parsed stays referenced (a parse that failed half-way leaves its depth's lists to be emptied on
    /// next use).
    /// </summary>
    private sealed class Scratch
    {
        /// <summary>An array's list keeps at most this much room for the next array.</summary>
        public const int MaxKeptItems = 1024;

        [ThreadStatic]
        private static Scratch? t_scratch;

        private readonly List<JsonObjectBuilder> _objects = [];

        /// <summary>String values (a type, a share level, a source name) repeat from value to value.</summary>
        public Utf8StringCache Strings { get; } = Utf8StringCache.ForThisThread;
        private readonly List<List<JsonNode?>> _arrays = [];

        public static Scratch ForThisThread() => t_scratch ??= new Scratch();

        public JsonObjectBuilder Object(int depth)
        {
            while (_objects.Count <= depth)
            {
                _objects.Add(new JsonObjectBuilder());
            }

            var builder = _objects[depth];
            builder.Clear();
            return builder;
        }

        public List<JsonNode?> Array(int depth)
        {
            while (_arrays.Count <= depth)
            {
                _arrays.Add([]);
            }

            var items = _arrays[depth];
            items.Clear();
            return items;
        }
    }
}
