using System.Globalization;
using System.Text.RegularExpressions;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// An age-out policy (docs/minemeld-engine.md, "Miners: settings and age-out"):
/// <c>[first_seen+|last_seen+]N[s|m|h|d]</c> or a bare base; <c>null</c> means never. N without a unit is seconds. The
/// default base is <c>first_seen</c>. Long unit names (<c>30days</c>, <c>2hours</c>) are accepted as MineMeld accepted
/// them; anything else is refused instead of being read by prefix (MineMeld read <c>1w</c> as one second).
/// </summary>
public sealed partial record AgeOutExpression(AgeOutBase Base, long OffsetMilliseconds)
{
    /// <summary>"Never": MineMeld's <c>(2^32 − 1) · 1000</c> ms, in the year 2106.</summary>
    public const long NeverMilliseconds = 4294967295000;

    /// <summary>MineMeld's default when <c>age_out.default</c> is absent: 30 days after first_seen.</summary>
    public static AgeOutExpression Default { get; } = new(AgeOutBase.FirstSeen, 30L * 86_400_000);

    [GeneratedRegex(@"^(?:(?<base>first_seen|last_seen)(?:\+(?<n>[0-9]+)(?<unit>[a-z]*))?|(?<n>[0-9]+)(?<unit>[a-z]*))$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>
    /// Parses a policy; null (and the YAML null) means never. Returns false with a reason when invalid.
    /// </summary>
    public static bool TryParse(string? text, out AgeOutExpression? expression, out string? error)
    {
        expression = null;
        error = null;
        if (text is null)
        {
            return true;
        }

        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            error = $"'{text}' is not an age-out expression ([first_seen+|last_seen+]N[s|m|h|d], a bare base, or null)";
            return false;
        }

        var ageBase = match.Groups["base"].Value == "last_seen" ? AgeOutBase.LastSeen : AgeOutBase.FirstSeen;
        if (!match.Groups["n"].Success)
        {
            expression = new AgeOutExpression(ageBase, 0);
            return true;
        }

        long unit = match.Groups["unit"].Value switch
        {
            "" or "s" or "sec" or "secs" or "second" or "seconds" => 1,
            "m" or "min" or "mins" or "minute" or "minutes" => 60,
            "h" or "hour" or "hours" => 3600,
            "d" or "day" or "days" => 86_400,
            _ => -1,
        };
        if (unit < 0)
        {
            error = $"'{text}': unknown unit '{match.Groups["unit"].Value}' (use s, m, h or d)";
            return false;
        }

        if (!long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / 1000 / unit)
        {
            error = $"'{text}': offset out of range";
            return false;
        }

        expression = new AgeOutExpression(ageBase, n * unit * 1000);
        return true;
    }

    /// <summary>The age-out time for an indicator seen first/last at the given times (ms).</summary>
    public long AgeOutAt(long firstSeen, long lastSeen) => (Base == AgeOutBase.LastSeen ? lastSeen : firstSeen) + OffsetMilliseconds;

    public override string ToString()
    {
        var baseName = Base == AgeOutBase.LastSeen ? "last_seen" : "first_seen";
        return OffsetMilliseconds == 0 ? baseName : $"{baseName}+{(OffsetMilliseconds / 1000).ToString(CultureInfo.InvariantCulture)}";
    }
}
