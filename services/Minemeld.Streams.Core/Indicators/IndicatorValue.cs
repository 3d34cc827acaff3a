using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// Rules for an indicator's attribute dictionary (spec §2.3): well-known attribute names, and private keys. A key
/// is private when its first character is <c>_</c>; <c>$</c> marks reserved temporary keys. Emitting strips
/// both; receiving strips only <c>_</c> keys. Only the first character counts (<c>s1$a</c> is public).
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

    /// <summary>Removes keys starting with <c>_</c> or <c>$</c> (before publishing).</summary>
    public static void StripForEmit(JsonObject value) => Strip(value, static key => key[0] is '_' or '$');

    /// <summary>Removes keys starting with <c>_</c> (on receipt, before filtering).</summary>
    public static void StripOnReceive(JsonObject value) => Strip(value, static key => key[0] == '_');

    public static bool IsPrivate(string key) => key.Length > 0 && key[0] is '_' or '$';

    /// <summary>Whether any key is private in the sense of <see cref="IsPrivate"/> (without allocating).</summary>
    public static bool HasPrivateKeys(JsonObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Count; i++)
        {
            if (IsPrivate(value.GetAt(i).Key))
            {
                return true;
            }
        }

        return false;
    }

    private static void Strip(JsonObject value, Func<string, bool> isPrivate)
    {
        ArgumentNullException.ThrowIfNull(value);
        List<string>? doomed = null;
        for (var i = 0; i < value.Count; i++)
        {
            var key = value.GetAt(i).Key;
            if (key.Length > 0 && isPrivate(key))
            {
                (doomed ??= []).Add(key);
            }
        }

        doomed?.ForEach(key => value.Remove(key));
    }
}
