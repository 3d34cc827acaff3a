using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// A length of time in a node's config as MineMeld wrote them: a number of seconds, or <c>N[s|m|h|d]</c> text
/// (<c>initial_interval: 30d</c>, <c>max_poll_dt: 86400</c>), read with the age-out grammar's units.
/// </summary>
public static class Duration
{
    /// <summary>Seconds from a number or <c>N[unit]</c>; false with the reason otherwise.</summary>
    public static bool TryParseSeconds(JsonNode? node, out long seconds, out string? error)
    {
        seconds = 0;
        error = null;
        if (JsonNodeValues.TryGetInt64(node, out var number))
        {
            seconds = number;
            return ValidRange(ref error, seconds);
        }

        if (!JsonNodeValues.TryGetString(node, out var text)
            || text.Contains("seen", StringComparison.Ordinal)
            || !AgeOutExpression.TryParse(text, out var expression, out _)
            || expression is null)
        {
            error = $"must be a duration (seconds, or N with a unit s, m, h or d such as 30d), not {JsonNodeValues.Describe(node)}";
            return false;
        }

        seconds = expression.OffsetMilliseconds / 1000;
        return ValidRange(ref error, seconds);
    }

    /// <summary>
    /// Seconds from the config's value, or <paramref name="fallback"/> when it is absent or not a duration.
    /// </summary>
    public static long SecondsOr(JsonNode? node, long fallback) => TryParseSeconds(node, out var seconds, out _) ? seconds : fallback;

    private static bool ValidRange(ref string? error, long seconds)
    {
        if (seconds is > 0 and <= 10L * 365 * 86_400)
        {
            return true;
        }

        error = $"must be between 1 second and 10 years, not {seconds} s";
        return false;
    }
}
