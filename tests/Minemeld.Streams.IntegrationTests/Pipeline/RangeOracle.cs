using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// The expected output of an IPv4 range aggregator, computed the simple way: pieces between consecutive
/// breakpoints (every row start, one past every row end, every /8 boundary inside), kept when a normal row covers
/// them and no whitelist row does; written as <c>a-b</c> and sorted.
/// </summary>
internal static class RangeOracle
{
    public static (long Start, long End) Parse(string indicator)
    {
        Assert.True(IPRangeParser.TryParse(indicator, out var parsed, out var error), error);
        return (parsed.V4.Start, parsed.V4.End);
    }

    public static List<string> Pieces(List<(long Start, long End)> rows, List<(long Start, long End)> whitelist)
    {
        var all = rows.Concat(whitelist).ToList();
        if (all.Count == 0)
        {
            return [];
        }

        var points = all.SelectMany(static r => new[] { r.Start, r.End + 1 }).ToHashSet();
        for (var block = (all.Min(static r => r.Start) >> 24) + 1; block <= all.Max(static r => r.End) >> 24; block++)
        {
            points.Add(block << 24);
        }

        var sorted = points.Order().ToList();
        var pieces = new List<string>();
        for (var i = 0; i + 1 < sorted.Count; i++)
        {
            var a = sorted[i];
            if (rows.Any(r => r.Start <= a && a <= r.End) && !whitelist.Any(r => r.Start <= a && a <= r.End))
            {
                pieces.Add($"{IPv4Family.Format((uint)a)}-{IPv4Family.Format((uint)(sorted[i + 1] - 1))}");
            }
        }

        return [.. pieces.Order(StringComparer.Ordinal)];
    }
}
