using System.Numerics;
using Minemeld.Streams.Core.Collections;

namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// The incremental range algebra behind MineMeld's IPv4 aggregator (docs/minemeld-engine.md, "Range aggregation"), for
/// any address family.
/// <para>
/// Every interval <c>[s, e]</c> cuts the address line before <c>s</c> and before <c>e + 1</c>. The elementary
/// segments between consecutive cuts carry the ids of the intervals covering them; a segment is an output piece
/// when a normal interval covers it and no whitelist interval does. Pieces are never merged across a cut, and
/// neighbours fuse when the last interval using a cut goes away: exactly MineMeld's endpoint decomposition.
/// </para>
/// <para>
/// <see cref="Add"/> and <see cref="Remove"/> touch only the segments between the cut left of the change and the
/// cut right of it, and return the pieces to publish and withdraw. Nothing is ever rebuilt.
/// </para>
/// </summary>
public sealed class RangePieceMap<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private static readonly int[] NoIds = [];

    // Cut point -> the segment starting there. Key 0 is a permanent sentinel, so every address has a segment.
    private readonly SortedChunkMap<T, Segment> _segments = new();
    private readonly Dictionary<int, Interval> _intervals = [];

    // The window's pieces before and after a change, kept for the next change: every update of an aggregator makes
    // one, and the diff copies what it keeps. (A map is not used from two threads at once.)
    private const int MaxKeptPieces = 4096;

    private readonly List<RangePiece<T>> _before = [];
    private readonly List<RangePiece<T>> _after = [];

    /// <summary>The diff every change returns, refilled (one object per map, not three per change).</summary>
    private readonly RangeDiff<T> _diff = new();
    private readonly T _max;

    /// <param name="maxAddress">
    /// Top of the address space (the family's all-ones by default; tests use small spaces).
    /// </param>
    public RangePieceMap(T? maxAddress = null)
    {
        _max = maxAddress ?? T.AllBitsSet;
        _segments.Add(T.Zero, new Segment());
    }

    /// <summary>Number of intervals held.</summary>
    public int IntervalCount => _intervals.Count;

    /// <summary>Number of elementary segments (cuts), including empty ones.</summary>
    public int SegmentCount => _segments.Count;

    public bool Contains(int id) => _intervals.ContainsKey(id);

    public bool TryGetInterval(int id, out IPRange<T> range, out bool whitelist)
    {
        if (_intervals.TryGetValue(id, out var interval))
        {
            range = new IPRange<T>(interval.Start, interval.End);
            whitelist = interval.Whitelist;
            return true;
        }

        range = default;
        whitelist = false;
        return false;
    }

    /// <summary>
    /// Adds interval <paramref name="id"/> and returns the change to the output (the map's one diff, refilled by its
    /// next change).
    /// </summary>
    public RangeDiff<T> Add(int id, T start, T end, bool whitelist)
    {
        if (start > end || end > _max)
        {
            throw new ArgumentOutOfRangeException(nameof(end), $"[{start}, {end}] is not a range within [0, {_max}].");
        }

        if (!_intervals.TryAdd(id, new Interval(start, end, whitelist)))
        {
            throw new InvalidOperationException($"Interval id {id} is already present.");
        }

        var (left, right) = Window(start, end);
        OutputPieces(left, right, _before);
        AddCut(start);
        if (end < _max)
        {
            AddCut(end + T.One);
        }

        ForEachSegment(start, end, (id, whitelist), static (segment, change) => segment.Add(change.id, change.whitelist));
        return DiffOfWindow(left, right);
    }

    /// <summary>
    /// Removes interval <paramref name="id"/> (no-op for an unknown id) and returns the change (the map's one diff,
    /// refilled by its next change).
    /// </summary>
    public RangeDiff<T> Remove(int id)
    {
        if (!_intervals.Remove(id, out var interval))
        {
            _diff.Clear(MaxKeptPieces);
            return _diff;
        }

        var (left, right) = Window(interval.Start, interval.End);
        OutputPieces(left, right, _before);
        ForEachSegment(interval.Start, interval.End, (id, interval.Whitelist), static (segment, change) => segment.Remove(change.id, change.Whitelist));
        ReleaseCut(interval.Start);
        if (interval.End < _max)
        {
            ReleaseCut(interval.End + T.One);
        }

        return DiffOfWindow(left, right);
    }

    /// <summary>
    /// The output pieces that interval <paramref name="id"/> covers (for re-publishing changed values).
    /// </summary>
    public List<RangePiece<T>> PiecesOf(int id)
    {
        if (!_intervals.TryGetValue(id, out var interval) || interval.Whitelist)
        {
            return [];
        }

        return OutputPieces(interval.Start, interval.End, []);
    }

    /// <summary>Every output piece, in address order.</summary>
    public List<RangePiece<T>> AllPieces() => OutputPieces(T.Zero, _max, []);

    /// <summary>
    /// The region a change of <c>[start, end]</c> can affect: from the segment holding <c>start − 1</c> to the one
    /// holding <c>end + 1</c> (segments that may be split off or fused with the changed ones).
    /// </summary>
    private (T Left, T Right) Window(T start, T end)
    {
        _segments.TryFloor(start == T.Zero ? start : start - T.One, out var leftCursor);
        var left = _segments.KeyAt(leftCursor);
        _segments.TryFloor(end == _max ? end : end + T.One, out var rightCursor);
        return (left, SegmentEnd(rightCursor));
    }

    private T SegmentEnd(SortedChunkMap<T, Segment>.Cursor cursor)
    {
        var next = cursor;
        return _segments.TryNext(ref next) ? _segments.KeyAt(next) - T.One : _max;
    }

    /// <summary>Output pieces among the segments starting in <c>[from, to]</c> (from must be a cut).</summary>
    /// <summary>
    /// The output pieces from <paramref name="from"/> to <paramref name="to"/>, into <paramref name="pieces"/> (emptied
    /// first).
    /// </summary>
    private List<RangePiece<T>> OutputPieces(T from, T to, List<RangePiece<T>> pieces)
    {
        pieces.Clear();
        if (!_segments.TryFloor(from, out var cursor))
        {
            return pieces;
        }

        while (true)
        {
            var key = _segments.KeyAt(cursor);
            if (key > to)
            {
                return pieces;
            }

            var segment = _segments.ValueAt(cursor);
            var next = cursor;
            var hasNext = _segments.TryNext(ref next);
            if (segment.IsOutput && key >= from)
            {
                var end = hasNext ? _segments.KeyAt(next) - T.One : _max;
                pieces.Add(new RangePiece<T>(key, end, segment.Ids));
            }

            if (!hasNext)
            {
                return pieces;
            }

            cursor = next;
        }
    }

    /// <summary>
    /// Applies <paramref name="action"/> to the segments starting in <c>[start, end]</c> (a static action: no closure
    /// per call).
    /// </summary>
    private void ForEachSegment<TState>(T start, T end, TState state, Action<Segment, TState> action)
    {
        _segments.TryFloor(start, out var cursor);
        do
        {
            if (_segments.KeyAt(cursor) > end)
            {
                return;
            }

            action(_segments.ValueAt(cursor), state);
        }
        while (_segments.TryNext(ref cursor));
    }

    private void AddCut(T at)
    {
        _segments.TryFloor(at, out var cursor);
        var segment = _segments.ValueAt(cursor);
        if (_segments.KeyAt(cursor) == at)
        {
            segment.Cuts++;
            return;
        }

        // Split: the new segment starts with the coverage of the one it is cut from.
        _segments.Add(at, segment.SplitCopy());
    }

    private void ReleaseCut(T at)
    {
        if (!_segments.TryGetValue(at, out var segment))
        {
            throw new InvalidOperationException($"Cut {at} is missing: the map is corrupt.");
        }

        segment.Cuts--;
        if (segment.Cuts == 0 && at != T.Zero)
        {
            // No interval starts here or ends just before: the segment's coverage equals its left neighbour's,
            // so dropping the cut fuses the two.
            _segments.Remove(at);
        }
    }

    /// <summary>
    /// The diff of the window's pieces now against <see cref="_before"/>; the kept lists give back unusual room.
    /// </summary>
    private RangeDiff<T> DiffOfWindow(T left, T right)
    {
        var diff = Diff(_before, OutputPieces(left, right, _after));
        ReusedList.Empty(_before, MaxKeptPieces);
        ReusedList.Empty(_after, MaxKeptPieces);
        return diff;
    }

    private RangeDiff<T> Diff(List<RangePiece<T>> before, List<RangePiece<T>> after)
    {
        var diff = _diff;
        diff.Clear(MaxKeptPieces);
        int i = 0, j = 0;
        while (i < before.Count || j < after.Count)
        {
            if (j >= after.Count || (i < before.Count && before[i].Start < after[j].Start))
            {
                diff.Withdraws.Add(before[i++]);
            }
            else if (i >= before.Count || after[j].Start < before[i].Start)
            {
                diff.Updates.Add(after[j++]);
            }
            else if (before[i].End != after[j].End)
            {
                diff.Withdraws.Add(before[i++]);
                diff.Updates.Add(after[j++]);
            }
            else
            {
                if (!ReferenceEquals(before[i].Ids, after[j].Ids) && !before[i].Ids.SequenceEqual(after[j].Ids))
                {
                    diff.Updates.Add(after[j]);
                }

                i++;
                j++;
            }
        }

        return diff;
    }

    private readonly record struct Interval(T Start, T End, bool Whitelist);

    /// <summary>Coverage of one elementary segment. Id arrays are copied on write, so pieces can share them.</summary>
    private sealed class Segment
    {
        public int[] Ids { get; private set; } = NoIds;

        public int WhitelistCount { get; private set; }

        /// <summary>How many interval endpoints use this cut (starts here, or ends just before).</summary>
        public int Cuts { get; set; }

        public bool IsOutput => Ids.Length > 0 && WhitelistCount == 0;

        public Segment SplitCopy() => new() { Ids = Ids, WhitelistCount = WhitelistCount, Cuts = 1 };

        public void Add(int id, bool whitelist)
        {
            if (whitelist)
            {
                WhitelistCount++;
                return;
            }

            var at = Array.BinarySearch(Ids, id);
            var ids = new int[Ids.Length + 1];
            at = ~at;
            Array.Copy(Ids, ids, at);
            ids[at] = id;
            Array.Copy(Ids, at, ids, at + 1, Ids.Length - at);
            Ids = ids;
        }

        public void Remove(int id, bool whitelist)
        {
            if (whitelist)
            {
                WhitelistCount--;
                return;
            }

            var at = Array.BinarySearch(Ids, id);
            if (at < 0)
            {
                throw new InvalidOperationException($"Id {id} does not cover this segment: the map is corrupt.");
            }

            Ids = Ids.Length == 1 ? NoIds : [.. Ids[..at], .. Ids[(at + 1)..]];
        }
    }
}
