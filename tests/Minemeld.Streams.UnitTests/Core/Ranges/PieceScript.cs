using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>
/// Drives a <see cref="RangePieceMap{T}"/> the way the IPv4 aggregator does: one interval per (input, indicator)
/// row, inputs named <c>wl…</c> are whitelists. Diffs are rendered as MineMeld's tests write them, <c>U a-b</c> /
/// <c>W a-b</c>, sorted (emission order within a message is unspecified).
/// </summary>
internal sealed class PieceScript
{
    private readonly RangePieceMap<uint> _map = new();
    private readonly Dictionary<(string Input, string Indicator), int> _rows = [];
    private int _nextId = 1;

    public string[] Update(string input, string indicator)
    {
        Assert.True(IPRangeParser.TryParse(indicator, out var parsed, out var error), error);
        var key = (input, indicator);
        Assert.False(_rows.ContainsKey(key), "re-updates are handled by the aggregator, not the algebra");
        var id = _nextId++;
        _rows[key] = id;
        return Render(_map.Add(id, parsed.V4.Start, parsed.V4.End, input.StartsWith("wl", StringComparison.Ordinal)));
    }

    public string[] Withdraw(string input, string indicator) =>
        _rows.Remove((input, indicator), out var id) ? Render(_map.Remove(id)) : [];

    public int IdOf(string input, string indicator) => _rows[(input, indicator)];

    public string[] Pieces() => [.. _map.AllPieces().Select(static p => Format(p))];

    public string[] PiecesOf(string input, string indicator) =>
        [.. _map.PiecesOf(_rows[(input, indicator)]).Select(static p => Format(p))];

    public IReadOnlyList<int> IdsOf(string piece) =>
        _map.AllPieces().Single(p => Format(p) == piece).Ids;

    private static string[] Render(RangeDiff<uint> diff) =>
        [.. diff.Updates.Select(static p => "U " + Format(p)).Concat(diff.Withdraws.Select(static p => "W " + Format(p))).Order(StringComparer.Ordinal)];

    private static string Format(RangePiece<uint> piece) => $"{IPv4Family.Format(piece.Start)}-{IPv4Family.Format(piece.End)}";
}
