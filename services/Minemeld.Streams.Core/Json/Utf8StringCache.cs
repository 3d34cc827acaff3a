using System.Text.Json;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Short strings read from UTF-8 JSON, remembered per thread by their bytes: indicator values and message envelopes
/// repeat the same few short strings (a type, a share level, a node name in <c>origin</c> and <c>sources</c>), which
/// would otherwise be allocated again for every message of every hop. One slot per hash, the newest string wins it.
/// </summary>
internal sealed class Utf8StringCache
{
    /// <summary>Longer strings are rarely repeated: read as they are, never remembered.</summary>
    private const int MaxLength = 32;

    /// <summary>Two ways per set: two strings of one message that hash alike (the hash is seeded per process) no
    /// longer evict each other at every message, which made "repeats share one string" fail about once a hundred
    /// runs.</summary>
    private const int Sets = 128;

    private const int Slots = Sets * 2;

    [ThreadStatic]
    private static Utf8StringCache? t_cache;

    private readonly byte[]?[] _utf8 = new byte[]?[Slots];
    private readonly string?[] _strings = new string?[Slots];
    private readonly byte[] _lastUsed = new byte[Sets];

    private Utf8StringCache()
    {
    }

    public static Utf8StringCache ForThisThread => t_cache ??= new Utf8StringCache();

    /// <summary>
    /// The string token the reader is at (<see cref="Utf8JsonReader.GetString"/>, shared when seen before).
    /// </summary>
    public string GetString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        var utf8 = reader.ValueSpan;
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var set = (int)((uint)hash.ToHashCode() % Sets);
        var first = set * 2;
        for (var slot = first; slot < first + 2; slot++)
        {
            if (_utf8[slot] is { } known && utf8.SequenceEqual(known))
            {
                _lastUsed[set] = (byte)(slot - first);
                return _strings[slot]!;
            }
        }

        // The way not used last makes room.
        var victim = first + (1 - _lastUsed[set]);
        var read = reader.GetString()!;
        (_utf8[victim], _strings[victim]) = (utf8.ToArray(), read);
        _lastUsed[set] = (byte)(victim - first);
        return read;
    }
}
