using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// A value's JSON as MineMeld stored it in a feed (Python 2 and ujson): compact, strings escaped the ujson way
/// (<c>\"</c>, <c>\/</c>, non-ASCII as lowercase <c>\u00e9</c>), and the keys of every object in the order a
/// CPython 2.7 dict gives them: by slot in its open-addressed table (string hash, perturbed probing), the keys
/// inserted in the value's own order into a table sized as a dict copy sizes it (the smallest power of two above
/// twice the entries, eight at least). For the attributes every
/// value carries that is MineMeld's order (<c>sources, confidence, first_seen, type, share_level, last_seen</c>),
/// so a client that compares a feed's bytes with a MineMeld's sees the same value.
/// </summary>
public static class MineMeldJson
{
    /// <summary>The value re-encoded; text that is not JSON is returned as it is.</summary>
    public static string Encode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var text = new StringBuilder(utf8.Length + 16);
            Append(text, document.RootElement);
            return text.ToString();
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(utf8);
        }
    }

    /// <summary>The order a CPython 2.7 dict iterates <paramref name="keys"/> inserted in this order.</summary>
    public static List<string> PythonOrder(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        // MineMeld stored a copy of the value: CPython's dict copy sizes the table for twice the entries.
        var size = 8;
        while (size <= 2 * keys.Count)
        {
            size <<= 1;
        }

        var table = new string?[size];
        var mask = (ulong)(size - 1);
        foreach (var key in keys)
        {
            var hash = Hash(key);
            var slot = hash & mask;
            var perturb = hash;
            while (table[slot] is { } taken && taken != key)
            {
                slot = ((slot << 2) + slot + perturb + 1) & mask;
                perturb >>= 5;
            }

            table[slot] = key;
        }

        return [.. table.Where(static k => k is not null).Select(static k => k!)];
    }

    /// <summary>CPython 2.7's string hash (64-bit, no randomisation), as an unsigned number.</summary>
    private static ulong Hash(string key)
    {
        if (key.Length == 0)
        {
            return 0;
        }

        var bytes = Encoding.UTF8.GetBytes(key);
        var x = (ulong)bytes[0] << 7;
        foreach (var b in bytes)
        {
            x = unchecked((1000003 * x) ^ b);
        }

        x ^= (ulong)bytes.Length;
        return x == ulong.MaxValue ? ulong.MaxValue - 1 : x;
    }

    private static void Append(StringBuilder text, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    properties[property.Name] = property.Value; // the last of duplicate names, as Python's dict keeps
                }

                text.Append('{');
                var first = true;
                foreach (var name in PythonOrder([.. properties.Keys]))
                {
                    text.Append(first ? string.Empty : ",");
                    first = false;
                    AppendString(text, name);
                    text.Append(':');
                    Append(text, properties[name]);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    text.Append(firstItem ? string.Empty : ",");
                    firstItem = false;
                    Append(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, element.GetString()!);
                break;
            default:
                text.Append(element.GetRawText());
                break;
        }
    }

    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '/': text.Append("\\/"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7f)
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}
