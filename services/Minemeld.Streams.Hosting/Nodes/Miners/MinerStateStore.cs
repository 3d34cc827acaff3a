using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// A miner's table and run times in the state store. The rows are kept in <see cref="Buckets"/> buckets: field
/// <c>0</c>…<c>4095</c> holds a JSON array of the rows whose indicator falls there (<see cref="BucketOf"/>), each row
/// <c>{"i": indicator, "v": value, "lr": last run, "ao": age out, "w": withdrawn}</c>. A save rewrites the buckets that
/// hold a row changed since the last save or load (each row carries what was last saved of it,
/// <see cref="MinerRow.Saved"/>) or a row the poller dropped, and deletes a bucket left empty; the table's version lets
/// a replica that takes over the poll lease see that another one wrote in between and reload.
/// <para>
/// Why buckets and not a field per row: every successful poll refreshes each row it still holds (<c>last_seen</c>, last
/// run), so a save after a poll rewrites the whole table either way; what a field per row adds is a million hash
/// fields for the store to make per million rows, each with its own allocations (2.5 s of Redis time per save of a
/// million rows, against 0.84 s in 4,096 fields). A change between polls (an age-out, a withdraw)
/// rewrites one bucket, a 4,096th of the table.
/// </para>
/// <para>
/// A field that is not a bucket holding only its own rows (a row per field, as earlier versions wrote; a row in another
/// bucket; a row that cannot be read) is read as far as it can be; its rows are written where they belong at the next
/// save, and the field is deleted unless that save wrote it as a bucket. A row that cannot be read is left out, as if
/// never saved.
/// </para>
/// </summary>
public sealed class MinerStateStore(IMinerTableStore table) : ISourceCursor
{
    /// <summary>How many buckets a table's rows are spread over.</summary>
    public const int Buckets = 4096;

    /// <summary>A save's fields are written in slices of about this many bytes, each awaited before the next.</summary>
    private const int SliceBytes = 1 << 20;

    private static readonly string[] FieldNames = [.. Enumerable.Range(0, Buckets).Select(static b => b.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// Fields the last load found that are not clean buckets: deleted by the next save unless it rewrites them.
    /// </summary>
    private readonly HashSet<string> _stale = new(StringComparer.Ordinal);

    private string? _next;

    /// <summary>
    /// The cursor saved with the table (an incremental source goes on from it); null when none was saved.
    /// </summary>
    public string? Current { get; private set; }

    /// <summary>
    /// The cursor the next save records with the table; a failed cycle reloads the table and forgets it.
    /// </summary>
    public void Advance(string next) => _next = next;

    /// <summary>The version this instance last read or wrote.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>
    /// What the last load found in the journal: the type (or null) and indicator of everything a cycle published, or
    /// was about to, without saving the table after. Their messages may have reached downstream nodes while the table
    /// says otherwise, so the next cycle publishes their state again (<see cref="Poller.Resend"/>).
    /// </summary>
    public IReadOnlyList<(string? Type, string Indicator)> Unsettled { get; private set; } = [];

    /// <summary>
    /// The bucket of a row: the 32-bit xxHash of its indicator's UTF-8 bytes, mod <see cref="Buckets"/>.
    /// </summary>
    public static int BucketOf(string indicator)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        return (int)(Utf8XxHash.Of(indicator) % Buckets);
    }

    /// <summary>The table's field that holds bucket <paramref name="bucket"/>.</summary>
    public static string FieldOf(int bucket) => FieldNames[bucket];

    public Task<long> ReadVersionAsync(CancellationToken cancellationToken) => table.ReadVersionAsync(cancellationToken);

    public async Task LoadAsync(Poller poller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var saved = await table.LoadAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<MinerRow>();
        byte[]? last = null; // rows with equal values share one array, as the poller's do
        _stale.Clear();
        foreach (var (field, bytes) in saved.Fields)
        {
            var first = rows.Count;
            var clean = ReadField(bytes, rows, ref last) && BucketNumber(field) is { } bucket && AllIn(rows, first, bucket);
            if (!clean)
            {
                _stale.Add(field); // its rows stay unsaved: the next save writes them where they belong
                continue;
            }

            for (var i = first; i < rows.Count; i++)
            {
                rows[i].Saved = rows[i].Stamp;
            }
        }

        poller.Restore(rows, saved.LastRun, saved.LastSuccessfulRun);
        Version = saved.Version;
        (Current, _next) = (saved.Cursor, null);
        Unsettled = ReadJournal(saved.Journal);
    }

    /// <summary>
    /// Journals a slice of a cycle before it goes to the producer: a line <c>type TAB indicator</c> per emission. A
    /// crash after the slice was sent and before the table was saved leaves the saved table behind what downstream
    /// nodes received; whoever loads the table next finds these lines and publishes their state again. Nothing is
    /// replayed for a miner otherwise: its next poll is diffed against the saved table, and an indicator the lost
    /// cycle changed that the next version has as the saved table does would never be published again.
    /// </summary>
    public Task JournalAsync(IReadOnlyList<Emission> slice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slice);
        if (slice.Count == 0)
        {
            return Task.CompletedTask;
        }

        var buffer = new ArrayBufferWriter<byte>(slice.Count * 24);
        foreach (var emission in slice)
        {
            var type = emission.TypeKnown ? emission.Type : emission.Value.GetString(Core.Indicators.IndicatorValue.Type, "type"u8);
            Write(buffer, type ?? string.Empty);
            buffer.Write("\t"u8);
            Write(buffer, emission.Indicator);
            buffer.Write("\n"u8);
        }

        return table.JournalAsync(buffer.WrittenMemory, cancellationToken);

        static void Write(ArrayBufferWriter<byte> buffer, string text)
        {
            var span = buffer.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
            buffer.Advance(System.Text.Encoding.UTF8.GetBytes(text, span));
        }
    }

    private static List<(string? Type, string Indicator)> ReadJournal(IReadOnlyList<byte[]> entries)
    {
        var unsettled = new List<(string? Type, string Indicator)>();
        foreach (var entry in entries)
        {
            foreach (var line in System.Text.Encoding.UTF8.GetString(entry).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab >= 0 && tab < line.Length - 1)
                {
                    unsettled.Add((tab == 0 ? null : line[..tab], line[(tab + 1)..]));
                }
            }
        }

        return unsettled;
    }

    /// <summary>
    /// Writes the buckets that hold a row changed since the last save or load, or one the poller dropped, and deletes
    /// the ones left empty. A save that fails leaves rows marked as saved ahead of the store, so it also forgets the
    /// version: the next cycle loads the table again.
    /// </summary>
    public async Task SaveAsync(Poller poller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var dropped = poller.TakeDropped();
        var dirty = new bool[Buckets];
        var deleted = new List<string>();
        try
        {
            // After a sweep that changed nothing there is no bucket to write (and no indicator is hashed).
            if (dropped.Count > 0 || poller.Rows.Any(static r => r.Saved != r.Stamp))
            {
                await WriteBucketsAsync(poller.Rows, dropped, dirty, deleted, cancellationToken).ConfigureAwait(false);
            }

            foreach (var field in _stale)
            {
                var rewritten = BucketNumber(field) is { } bucket && dirty[bucket];
                if (!rewritten)
                {
                    deleted.Add(field); // a bucket written empty is in the list already
                }
            }

            Version = await table.CommitAsync(deleted, poller.LastRun, poller.LastSuccessfulRun, _next, cancellationToken).ConfigureAwait(false);
            (Current, _next) = (_next ?? Current, null);
            _stale.Clear();
            Unsettled = []; // the table is saved as published: the commit emptied the journal
        }
        catch
        {
            Version = -1; // what is marked saved may not be: load the table again before the next cycle
            throw;
        }
    }

    /// <summary>
    /// Marks <paramref name="dirty"/> the buckets holding a changed or dropped row, writes those that hold rows, and
    /// adds the ones left empty to <paramref name="deleted"/>.
    /// </summary>
    private async Task WriteBucketsAsync(IReadOnlyCollection<MinerRow> rows, List<MinerRow> dropped, bool[] dirty, List<string> deleted, CancellationToken cancellationToken)
    {
        // Which buckets to write, and how many rows each holds.
        var bucketOfRow = new int[rows.Count];
        var counts = new int[Buckets];
        var n = 0;
        foreach (var row in rows)
        {
            var bucket = bucketOfRow[n++] = BucketOf(row.Indicator);
            counts[bucket]++;
            dirty[bucket] |= row.Saved != row.Stamp;
        }

        foreach (var row in dropped)
        {
            dirty[BucketOf(row.Indicator)] = true;
        }

        // The rows of those buckets, grouped by bucket (a counting sort in the table's order). Writing them bucket by
        // bucket visits the rows out of their order in memory (a million rows: about 850 ms, against 90 ms in order);
        // writing them out in order first and putting the buckets together from those bytes took less in isolation
        // but more in the 1M bench (a save's worth of fresh memory, 160 MB: +0.8 to +1.6 s in three alternated pairs).
        var starts = new int[Buckets + 1];
        for (var b = 0; b < Buckets; b++)
        {
            starts[b + 1] = starts[b] + (dirty[b] ? counts[b] : 0);
        }

        var grouped = new MinerRow[starts[Buckets]];
        var next = starts[..Buckets];
        n = 0;
        foreach (var row in rows)
        {
            var bucket = bucketOfRow[n++];
            if (dirty[bucket])
            {
                grouped[next[bucket]++] = row;
            }
        }

        var slice = new List<(string Field, int Start, int Length)>();
        var buffer = new ArrayBufferWriter<byte>(Math.Clamp(grouped.Length * 256, 1024, 2 * SliceBytes));
        using var writer = new Utf8JsonWriter(buffer);
        for (var b = 0; b < Buckets; b++)
        {
            if (!dirty[b])
            {
                continue;
            }

            if (counts[b] == 0)
            {
                deleted.Add(FieldNames[b]);
                continue;
            }

            var start = buffer.WrittenCount;
            writer.Reset(buffer);
            writer.WriteStartArray();
            for (var i = starts[b]; i < starts[b + 1]; i++)
            {
                var row = grouped[i];
                row.Saved = row.Stamp;
                WriteRow(writer, row);
            }

            writer.WriteEndArray();
            writer.Flush();
            slice.Add((FieldNames[b], start, buffer.WrittenCount - start));
            if (buffer.WrittenCount >= SliceBytes)
            {
                await WriteSliceAsync(slice, buffer, cancellationToken).ConfigureAwait(false);
            }
        }

        await WriteSliceAsync(slice, buffer, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteSliceAsync(List<(string Field, int Start, int Length)> slice, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        if (slice.Count == 0)
        {
            return;
        }

        var written = buffer.WrittenMemory;
        await table.WriteAsync([.. slice.Select(f => KeyValuePair.Create(f.Field, written.Slice(f.Start, f.Length)))], cancellationToken).ConfigureAwait(false);
        slice.Clear();
        buffer.ResetWrittenCount();
    }

    /// <summary>A row written straight from its fields: its value's bytes as they are, no tree.</summary>
    private static void WriteRow(Utf8JsonWriter writer, MinerRow row)
    {
        writer.WriteStartObject();
        writer.WriteString("i"u8, row.Indicator);
        writer.WritePropertyName("v"u8);
        writer.WriteRawValue(row.Utf8Value, skipInputValidation: true);
        writer.WriteNumber("lr"u8, row.LastRun);
        writer.WriteNumber("ao"u8, row.AgeOut);
        if (row.Withdrawn is { } withdrawn)
        {
            writer.WriteNumber("w"u8, withdrawn);
        }

        writer.WriteEndObject();
    }

    /// <summary>The bucket a field name stands for (its number as this class writes it), or null.</summary>
    private static int? BucketNumber(string field) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var bucket) && bucket < Buckets && field == FieldNames[bucket]
            ? bucket
            : null;

    private static bool AllIn(List<MinerRow> rows, int first, int bucket)
    {
        for (var i = first; i < rows.Count; i++)
        {
            if (BucketOf(rows[i].Indicator) != bucket)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Adds the rows a field holds to <paramref name="rows"/>, as far as they can be read; true when it is a bucket (an
    /// array) whose every element is a row.
    /// </summary>
    private static bool ReadField(byte[] json, List<MinerRow> rows, ref byte[]? last)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (ReadRow(ref reader, json, ref last) is { } single)
                {
                    rows.Add(single); // one row per field: how earlier versions saved a table
                }

                return false;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var clean = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.StartObject && ReadRow(ref reader, json, ref last) is { } row)
                {
                    rows.Add(row);
                }
                else
                {
                    clean = false;
                    reader.Skip();
                }
            }

            return clean;
        }
        catch (JsonException)
        {
            return false; // the rows before the damage are kept
        }
    }

    /// <summary>The row of the object the reader is at (left at its end), or null when it is not one.</summary>
    private static MinerRow? ReadRow(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref byte[]? last)
    {
        string? indicator = null;
        ReadOnlySpan<byte> value = default;
        long lastRun = 0, ageOut = 0;
        long? withdrawn = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("i"u8) && reader.TokenType == JsonTokenType.String)
            {
                indicator = reader.GetString();
            }
            else if (name.SequenceEqual("v"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                value = json[start..(int)reader.BytesConsumed];
            }
            else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
            {
                if (name.SequenceEqual("lr"u8))
                {
                    lastRun = number;
                }
                else if (name.SequenceEqual("ao"u8))
                {
                    ageOut = number;
                }
                else if (name.SequenceEqual("w"u8))
                {
                    withdrawn = number;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return indicator is null || value.IsEmpty ? null : new MinerRow(indicator, value, ref last) { LastRun = lastRun, AgeOut = ageOut, Withdrawn = withdrawn };
    }
}
