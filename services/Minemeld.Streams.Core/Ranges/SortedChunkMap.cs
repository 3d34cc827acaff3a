namespace Minemeld.Streams.Core.Ranges;

/// <summary>
/// An ordered map kept as a list of sorted chunks (at most <see cref="ChunkCapacity"/> keys each). Lookups are two
/// binary searches; inserts and removals shift within one chunk. It gives the floor/next navigation the range
/// algebra needs, which <see cref="SortedDictionary{TKey,TValue}"/> does not, and stays cache-friendly at millions
/// of keys.
/// </summary>
internal sealed class SortedChunkMap<TKey, TValue>
    where TKey : IComparable<TKey>
{
    private const int ChunkCapacity = 256;

    private readonly List<Chunk> _chunks = [];

    public int Count { get; private set; }

    /// <summary>Position of the greatest key less than or equal to <paramref name="key"/>, if any.</summary>
    public bool TryFloor(TKey key, out Cursor cursor)
    {
        cursor = default;
        var c = FindChunk(key);
        if (c < 0)
        {
            return false;
        }

        var chunk = _chunks[c];
        var i = Array.BinarySearch(chunk.Keys, 0, chunk.Count, key);
        cursor = new Cursor(c, i >= 0 ? i : ~i - 1);
        return true;
    }

    public bool TryGetValue(TKey key, out TValue value)
    {
        if (TryFloor(key, out var cursor) && KeyAt(cursor).CompareTo(key) == 0)
        {
            value = ValueAt(cursor);
            return true;
        }

        value = default!;
        return false;
    }

    public TKey KeyAt(Cursor cursor) => _chunks[cursor.Chunk].Keys[cursor.Index];

    public TValue ValueAt(Cursor cursor) => _chunks[cursor.Chunk].Values[cursor.Index];

    /// <summary>Moves to the next key; false at the end.</summary>
    public bool TryNext(ref Cursor cursor)
    {
        var index = cursor.Index + 1;
        var chunk = cursor.Chunk;
        if (index >= _chunks[chunk].Count)
        {
            chunk++;
            index = 0;
            if (chunk >= _chunks.Count)
            {
                return false;
            }
        }

        cursor = new Cursor(chunk, index);
        return true;
    }

    public bool TryFirst(out Cursor cursor)
    {
        cursor = default;
        return _chunks.Count > 0;
    }

    /// <summary>Adds a key that is not present yet.</summary>
    public void Add(TKey key, TValue value)
    {
        if (_chunks.Count == 0)
        {
            var first = new Chunk();
            first.Insert(0, key, value);
            _chunks.Add(first);
            Count = 1;
            return;
        }

        var c = Math.Max(FindChunk(key), 0);
        var chunk = _chunks[c];
        var i = Array.BinarySearch(chunk.Keys, 0, chunk.Count, key);
        if (i >= 0)
        {
            throw new InvalidOperationException($"Key {key} is already present.");
        }

        chunk.Insert(~i, key, value);
        Count++;
        if (chunk.Count == ChunkCapacity)
        {
            _chunks.Insert(c + 1, chunk.SplitUpperHalf());
        }
    }

    /// <summary>Removes a key that is present.</summary>
    public void Remove(TKey key)
    {
        var c = FindChunk(key);
        var chunk = c >= 0 ? _chunks[c] : null;
        var i = chunk is null ? -1 : Array.BinarySearch(chunk.Keys, 0, chunk.Count, key);
        if (chunk is null || i < 0)
        {
            throw new InvalidOperationException($"Key {key} is not present.");
        }

        chunk.RemoveAt(i);
        Count--;
        if (chunk.Count == 0)
        {
            _chunks.RemoveAt(c);
        }
    }

    /// <summary>Index of the last chunk whose first key is less than or equal to the key; -1 if none.</summary>
    private int FindChunk(TKey key)
    {
        int lo = 0, hi = _chunks.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_chunks[mid].Keys[0].CompareTo(key) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    internal readonly record struct Cursor(int Chunk, int Index);

    private sealed class Chunk
    {
        public TKey[] Keys { get; } = new TKey[ChunkCapacity];

        public TValue[] Values { get; } = new TValue[ChunkCapacity];

        public int Count { get; private set; }

        public void Insert(int index, TKey key, TValue value)
        {
            Array.Copy(Keys, index, Keys, index + 1, Count - index);
            Array.Copy(Values, index, Values, index + 1, Count - index);
            Keys[index] = key;
            Values[index] = value;
            Count++;
        }

        public void RemoveAt(int index)
        {
            Array.Copy(Keys, index + 1, Keys, index, Count - index - 1);
            Array.Copy(Values, index + 1, Values, index, Count - index - 1);
            Count--;
            Keys[Count] = default!;
            Values[Count] = default!;
        }

        public Chunk SplitUpperHalf()
        {
            var upper = new Chunk();
            var half = Count / 2;
            var moved = Count - half;
            Array.Copy(Keys, half, upper.Keys, 0, moved);
            Array.Copy(Values, half, upper.Values, 0, moved);
            upper.Count = moved;
            Array.Clear(Keys, half, moved);
            Array.Clear(Values, half, moved);
            Count = half;
            return upper;
        }
    }
}
