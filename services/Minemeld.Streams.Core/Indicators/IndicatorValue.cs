using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// Rules for an indicator's attribute dictionary (docs/minemeld-engine.md, "Messages and attribute values"): well-known
/// attribute names, and private keys. A key is private when its first character is <c>_</c>; <c>$</c> marks reserved
/// temporary keys. Emitting strips both; receiving strips only <c>_</c> keys. Only the first character counts
/// (<c>s1$a</c> is public).
/// </summary>
public static class IndicatorValue
{
    public const string Type = "type";
    public const string Sources = "sources";
    public const string FirstSeen = "first_seen";
    public const string LastSeen = "last_seen";
    public const string Confidence = "confidence";
    public const string Direction = "direction";
    public const string ShareLevel = "share_level";
    public const string Country = "country";
    public const string AutonomousSystem = "AS";

    private static readonly Func<string, bool> PrivateForEmit = static key => key[0] is '_' or '$';
    private static readonly Func<string, bool> PrivateOnReceive = static key => key[0] == '_';

    /// <summary>Removes keys starting with <c>_</c> or <c>$</c> (before publishing).</summary>
    public static void StripForEmit(JsonObject value) => Strip(value, PrivateForEmit);

    /// <summary>Removes keys starting with <c>_</c> (on receipt, before filtering).</summary>
    public static void StripOnReceive(JsonObject value) => Strip(value, PrivateOnReceive);

    /// <summary>
    /// <paramref name="value"/> as <see cref="StripForEmit"/> leaves it, without touching it: the value itself when
    /// it has nothing to strip, otherwise a stripped copy.
    /// </summary>
    public static JsonObject StrippedForEmit(JsonObject value) => Stripped(value, PrivateForEmit);

    /// <summary>
    /// <paramref name="value"/> as <see cref="StripOnReceive"/> leaves it, copied only when something goes.
    /// </summary>
    public static JsonObject StrippedOnReceive(JsonObject value) => Stripped(value, PrivateOnReceive);

    public static bool IsPrivate(string key) => key.Length > 0 && key[0] is '_' or '$';

    /// <summary><see cref="IsPrivate(string)"/> of a name read as UTF-8 (unescaped).</summary>
    public static bool IsPrivate(ReadOnlySpan<byte> utf8Key) => utf8Key is [(byte)'_' or (byte)'$', ..];

    private static JsonObject Stripped(JsonObject value, Func<string, bool> isPrivate)
    {
        if (PrivateKeys(value, isPrivate) is null)
        {
            return value;
        }

        var copy = (JsonObject)value.DeepClone();
        Strip(copy, isPrivate);
        return copy;
    }

    private static void Strip(JsonObject value, Func<string, bool> isPrivate) =>
        PrivateKeys(value, isPrivate)?.ForEach(key => value.Remove(key));

    /// <summary>The keys <paramref name="isPrivate"/> selects; null when there are none (no allocation then).</summary>
    private static List<string>? PrivateKeys(JsonObject value, Func<string, bool> isPrivate)
    {
        ArgumentNullException.ThrowIfNull(value);
        List<string>? keys = null;
        for (var i = 0; i < value.Count; i++)
        {
            var key = value.GetAt(i).Key;
            if (key.Length > 0 && isPrivate(key))
            {
                (keys ??= []).Add(key);
            }
        }

        return keys;
    }
}
