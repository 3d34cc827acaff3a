using System.Numerics;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Core.Aggregation;

/// <summary>
/// MineMeld's IPv4 range aggregator (<c>minemeld.ft.ipop.AggregateIPv4FT</c>, docs/minemeld-engine.md, "Range
/// aggregation"), for IPv4 or IPv6: one row per (input, indicator), each an interval of the
/// <see cref="RangePieceMap{T}"/>; output pieces are always published as <c>start-end</c>, carrying the merged value of
/// the rows that cover them. Rows are merged in the node's input order, then by indicator
/// (docs/minemeld-compatibility.md, difference 9), so the output never depends on arrival order.
/// </summary>
public sealed class RangeAggregator<T, TFamily>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    where TFamily : IAddressFamily<T>
{
    private readonly WhitelistPolicy _policy;
    private readonly string _indicatorType;
    private readonly bool _mergeLists;
    private readonly RangePieceMap<T> _map = new();
    private readonly Dictionary<(string Input, string Indicator), Row> _rows = [];
    private readonly Dictionary<int, Row> _byId = [];
    private readonly Comparison<Row> _mergeOrder;
    private readonly IPRange<T>? _clip;
    private int _nextId = 1;

    /// <summary>The last value a row took as normalized bytes (<see cref="Received"/>).</summary>
    private byte[]? _lastKept;

    private static ReadOnlySpan<byte> TypeUtf8 => "type"u8;

    private static ReadOnlySpan<byte> SourcesUtf8 => "sources"u8;

    /// <param name="policy">Whitelist inputs and merge order.</param>
    /// <param name="indicatorType">The value type this node aggregates (IPv4 or IPv6).</param>
    /// <param name="mergeLists">MineMeld's enable_list_merge.</param>
    /// <param name="clip">
    /// The address block this instance owns when the node is partitioned by block: every row's range is cut to it,
    /// and rows that miss it are ignored. Null owns the whole address space.
    /// </param>
    public RangeAggregator(WhitelistPolicy policy, string indicatorType, bool mergeLists = false, IPRange<T>? clip = null)
    {
        _policy = policy;
        _indicatorType = indicatorType;
        _mergeLists = mergeLists;
        _clip = clip;
        _mergeOrder = (a, b) =>
        {
            var byInput = _policy.Compare(a.Input, b.Input);
            return byInput != 0 ? byInput : string.CompareOrdinal(a.Indicator, b.Indicator);
        };
    }

    public int RowCount => _rows.Count;

    /// <summary>Every row, for persistence: (input, indicator, value).</summary>
    public IEnumerable<(string Input, string Indicator, JsonObject Value)> Rows => _rows.Values.Select(static r => (r.Input, r.Indicator, r.Value()));

    /// <summary>The current output: every piece as <c>start-end</c> with its merged value.</summary>
    public IEnumerable<(string Indicator, JsonObject Value)> Output() => _map.AllPieces().Select(p => (Format(p), Merge(p.Ids)));

    /// <summary>A row's value as UTF-8 JSON (normalized), what to persist; null when there is no such row.</summary>
    public ReadOnlyMemory<byte>? StoredRow(string input, string indicator) =>
        // The cast to the nullable matters: otherwise null converts (through byte[]) to an empty memory, not a missing row.
        _rows.TryGetValue((input, indicator), out var row) ? (ReadOnlyMemory<byte>?)row.Utf8Json : null;

    /// <summary>
    /// Restores a row from storage without publishing anything (state rebuilt on partition assignment); false when
    /// <paramref name="value"/> is not a JSON object or the row is already there. The value is kept as
    /// <see cref="Update"/> keeps one: the stored UTF-8 JSON normalized as bytes when it can be (what
    /// <see cref="StoredRow"/> writes already is), a tree itself, normalized in place.
    /// </summary>
    public bool Restore(string input, string indicator, IndicatorJson value) =>
        (value.Tree is { } tree ? new Incoming(tree, null) : Received(value.Utf8.Span)) is { } incoming && RestoreRow(input, indicator, incoming);

    /// <summary>
    /// <see cref="Incoming.Of"/>, sharing the array of the last value kept as bytes when equal: rows are never changed
    /// in place, and the values of one poll mostly are equal, so a million rows hold one array instead of a million.
    /// </summary>
    private Incoming? Received(ReadOnlySpan<byte> utf8)
    {
        var value = Incoming.Of(utf8, _lastKept);
        _lastKept = value?.Normalized ?? _lastKept;
        return value;
    }

    /// <summary>
    /// Applies an update from <paramref name="input"/>. A value held as bytes is normalized as bytes when it can be
    /// (<see cref="Utf8JsonObject.Normalized"/>: no private key, no name twice, sources a set), and the row keeps that
    /// copy with no tree built; otherwise it is parsed. A tree is kept as the row (normalized in place,
    /// <see cref="AttributeMerger.Normalize"/>), so the caller hands it over and does not change it afterwards. The
    /// emitted values are to be read only.
    /// </summary>
    public IReadOnlyList<Emission> Update(string input, string indicator, IndicatorJson value, AggregatorCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        if (value.GetString(IndicatorValue.Type, TypeUtf8) != _indicatorType)
        {
            counters.UpdateIgnored++;
            return [];
        }

        var incoming = value.Tree is { } tree
            ? new Incoming(tree, null)
            : Received(value.Utf8.Span) ?? throw new ArgumentException("the value is not a JSON object", nameof(value));
        return Apply(input, indicator, incoming, counters);
    }

    /// <summary>
    /// Applies a withdraw from <paramref name="input"/>; a value (none is fine) of another type is ignored.
    /// </summary>
    public IReadOnlyList<Emission> Withdraw(string input, string indicator, IndicatorJson value, AggregatorCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        if (!value.IsNone && value.GetString(IndicatorValue.Type, TypeUtf8) != _indicatorType)
        {
            counters.WithdrawIgnored++;
            return [];
        }

        if (!_rows.Remove((input, indicator), out var row))
        {
            return [];
        }

        _byId.Remove(row.Id);
        counters.Removed++;
        return Render(_map.Remove(row.Id), removed: row);
    }

    /// <summary>An update whose type is the node's: the row's new value, or a new row, and what that changes.</summary>
    private IReadOnlyList<Emission> Apply(string input, string indicator, Incoming value, AggregatorCounters counters)
    {
        if (_rows.TryGetValue((input, indicator), out var existing))
        {
            // Same geometry: the value changed (or was refreshed); republish the pieces this row covers.
            value.Into(existing);
            IReadOnlyList<Emission> republished = existing.Whitelist ? [] : [.. _map.PiecesOf(existing.Id).Select(p => Emit(MessageOp.Update, p, removed: null))];
            existing.Release();
            return republished;
        }

        if (!TryParse(indicator, out var range))
        {
            counters.ParseErrors++;
            return [];
        }

        counters.Added++;
        var row = NewRow(input, indicator);
        value.Into(row);
        var emissions = Render(Add(row, range), removed: null);
        row.Release();
        return emissions;
    }

    /// <summary>
    /// A stored row back (nothing published); false when the row exists already or its indicator does not parse.
    /// </summary>
    private bool RestoreRow(string input, string indicator, Incoming value)
    {
        if (_rows.ContainsKey((input, indicator)) || !TryParse(indicator, out var range))
        {
            return false;
        }

        var row = NewRow(input, indicator);
        value.Into(row);
        Add(row, range);
        row.Release();
        return true;
    }

    private Row NewRow(string input, string indicator) => new(_nextId++, input, indicator, _policy.IsWhitelist(input));

    /// <summary>Adds a row that holds its value already to the rows and the map.</summary>
    private RangeDiff<T> Add(Row row, IPRange<T> range)
    {
        _rows[(row.Input, row.Indicator)] = row;
        _byId[row.Id] = row;
        return _map.Add(row.Id, range.Start, range.End, row.Whitelist);
    }

    private bool TryParse(string indicator, out IPRange<T> range)
    {
        if (!IPRangeParser.TryParse<T, TFamily>(indicator, out range, out _, out _, out _, out _))
        {
            return false;
        }

        if (_clip is { } clip)
        {
            if (!range.Overlaps(clip))
            {
                return false;
            }

            range = new IPRange<T>(T.Max(range.Start, clip.Start), T.Min(range.End, clip.End));
        }

        return true;
    }

    /// <summary>The diff as emissions (an array: one allocation, usually of one emission).</summary>
    private Emission[] Render(RangeDiff<T> diff, Row? removed)
    {
        if (diff.IsEmpty)
        {
            return [];
        }

        var emissions = new Emission[diff.Updates.Count + diff.Withdraws.Count];
        var i = 0;
        foreach (var piece in diff.Updates)
        {
            emissions[i++] = Emit(MessageOp.Update, piece, removed: null);
        }

        foreach (var piece in diff.Withdraws)
        {
            emissions[i++] = Emit(MessageOp.Withdraw, piece, removed);
        }

        return emissions;
    }

    /// <summary>
    /// A piece with the merged value of the rows covering it. A piece covered by one row, by far the most common case,
    /// is published with that row's value itself and its bytes (rows are kept normalized, so it is what the merge would
    /// give): emitted values are read, never changed.
    /// </summary>
    private Emission Emit(MessageOp op, RangePiece<T> piece, Row? removed)
    {
        if (piece.Ids.Count == 1)
        {
            var only = RowOf(piece.Ids[0], removed);
            return new Emission(op, Format(piece), only.Held is { } tree ? IndicatorJson.Of(tree, only.Utf8Json) : IndicatorJson.OfUtf8(only.Utf8Json));
        }

        return new Emission(op, Format(piece), Merge(piece.Ids, removed));
    }

    /// <summary>
    /// The merged value of the rows covering a piece (<see cref="AttributeMerger"/>, rows in merge order).
    /// </summary>
    private JsonObject Merge(IReadOnlyList<int> ids, Row? removed = null)
    {
        if (ids.Count == 1)
        {
            return RowOf(ids[0], removed).Value();
        }

        var rows = ids.Select(id => RowOf(id, removed)).ToList();
        rows.Sort(_mergeOrder);
        var merged = AttributeMerger.NewAccumulator();
        foreach (var row in rows)
        {
            AttributeMerger.MergeInto(merged, row.Value(), _mergeLists);
        }

        return merged;
    }

    /// <summary>The row with this id, or the row a withdraw has just taken out (no longer among the rows).</summary>
    private Row RowOf(int id, Row? removed) => _byId.TryGetValue(id, out var row) ? row : removed!;

    private static string Format(RangePiece<T> piece)
    {
        Span<char> buffer = stackalloc char[(2 * IPv6Family.MaxTextLength) + 1];
        TFamily.TryFormat(piece.Start, buffer, out var length);
        buffer[length++] = '-';
        TFamily.TryFormat(piece.End, buffer[length..], out var endLength);
        return new string(buffer[..(length + endLength)]);
    }

    /// <summary>A row's new value: a tree (normalized when taken), or UTF-8 JSON normalized already.</summary>
    private readonly record struct Incoming(JsonObject? Tree, byte[]? Normalized)
    {
        /// <summary>
        /// A value received or stored as UTF-8 JSON: normalized as bytes when it can be
        /// (<see cref="Utf8JsonObject.Normalized"/>; <paramref name="same"/> itself when equal to it), parsed
        /// otherwise; null when it is not a JSON object.
        /// </summary>
        public static Incoming? Of(ReadOnlySpan<byte> utf8, byte[]? same) =>
            Utf8JsonObject.Normalized(utf8, SourcesUtf8, same) is { } normalized ? new Incoming(null, normalized)
            : JsonObjectReader.ParseObject(utf8) is { } tree ? new Incoming(tree, null)
            : null;

        public void Into(Row row)
        {
            if (Tree is not null)
            {
                row.Hold(Tree);
            }
            else
            {
                row.Keep(Normalized!);
            }
        }
    }

    /// <summary>
    /// A row keeps its value as normalized UTF-8 JSON: one small array per row instead of a tree of nodes, which is
    /// what an aggregator holding millions of rows needs from the garbage collector (and what is persisted as it is).
    /// While an update is being rendered the row also holds the tree it came with, so the common case (the row alone
    /// on its pieces) publishes that tree and parses nothing.
    /// </summary>
    private sealed class Row(int id, string input, string indicator, bool whitelist)
    {
        private JsonObject? _held;

        public int Id { get; } = id;

        public string Input { get; } = input;

        public string Indicator { get; } = indicator;

        public bool Whitelist { get; } = whitelist;

        public byte[] Utf8Json { get; private set; } = [];

        /// <summary>
        /// The value as a tree: the one held during an update, otherwise parsed afresh (the caller's to keep).
        /// </summary>
        public JsonObject Value() => _held ?? JsonObjectReader.ParseObject(Utf8Json.AsSpan())!;

        /// <summary>The tree held during an update, if any.</summary>
        public JsonObject? Held => _held;

        /// <summary>
        /// Takes <paramref name="value"/> (normalized in place) as the row's value, and holds its tree.
        /// </summary>
        public void Hold(JsonObject value)
        {
            _held = AttributeMerger.Normalize(value);
            Utf8Json = JsonText.ToUtf8Bytes(_held);
        }

        /// <summary>
        /// Takes a normalized value's UTF-8 JSON (an array never changed afterwards, maybe shared by other rows) as the
        /// row's value (no tree).
        /// </summary>
        public void Keep(byte[] normalized)
        {
            _held = null;
            Utf8Json = normalized;
        }

        /// <summary>
        /// Drops the held tree: from now on the row is its bytes (a tree left held is the same value, only kept
        /// longer).
        /// </summary>
        public void Release() => _held = null;
    }
}
