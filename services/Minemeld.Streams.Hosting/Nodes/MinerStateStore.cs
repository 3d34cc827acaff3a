using System.Buffers;
using System.Text.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A miner's table and run times in the state store, one JSON row per indicator
/// (<c>{"i": indicator, "v": value, "lr": last run, "ao": age out, "w": withdrawn}</c>). Only rows that changed since
/// the last save are written (each row carries what was last saved of it, <see cref="MinerRow.Saved"/>), and the rows
/// the poller dropped are deleted; the table's version lets a replica that takes over the poll lease see that another
/// one wrote in between and reload.
/// </summary>
public sealed class MinerStateStore(IMinerTableStore table)
{
    /// <summary>The version this instance last read or wrote.</summary>
    public long Version { get; private set; } = -1;

    public Task<long> ReadVersionAsync() => table.ReadVersionAsync();

    public async Task LoadAsync(Poller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var saved = await table.LoadAsync().ConfigureAwait(false);
        var rows = new List<MinerRow>(saved.Rows.Count);
        foreach (var (_, json) in saved.Rows)
        {
            if (Parse(json) is { } row)
            {
                row.Saved = row.Stamp;
                rows.Add(row);
            }
        }

        poller.Restore(rows, saved.LastRun, saved.LastSuccessfulRun);
        Version = saved.Version;
    }

    /// <summary>
    /// Writes the rows that changed since the last save or load and deletes the ones the poller dropped. A save that
    /// fails leaves the rows marked as saved ahead of the store, so it also forgets the version: the next cycle loads
    /// the table again.
    /// </summary>
    public async Task SaveAsync(Poller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        var dropped = poller.TakeDropped();
        var deleted = dropped.Count == 0 ? null : dropped.Select(poller.KeyOf).ToHashSet(StringComparer.Ordinal);
        var changed = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        var rows = new RowChunks();
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        foreach (var row in poller.Rows)
        {
            var stamp = row.Stamp;
            if (row.Saved == stamp)
            {
                continue;
            }

            row.Saved = stamp;
            var key = poller.KeyOf(row);
            deleted?.Remove(key); // a dropped row's key that a row held now is saved under stays

            // Written straight from the row: its value's bytes as they are, no tree.
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("i", row.Indicator);
            writer.WritePropertyName("v");
            writer.WriteRawValue(row.Utf8Value, skipInputValidation: true);
            writer.WriteNumber("lr", row.LastRun);
            writer.WriteNumber("ao", row.AgeOut);
            if (row.Withdrawn is { } w)
            {
                writer.WriteNumber("w", w);
            }

            writer.WriteEndObject();
            writer.Flush();
            changed.Add(KeyValuePair.Create(key, rows.Add(buffer.WrittenSpan)));
        }

        try
        {
            Version = await table.SaveAsync(changed, deleted ?? [], poller.LastRun, poller.LastSuccessfulRun).ConfigureAwait(false);
        }
        catch
        {
            Version = -1; // what is marked saved may not be: load the table again before the next cycle
            throw;
        }
    }

    /// <summary>A saved row, or null when it is not one (an unreadable row is left out, as if never saved).</summary>
    private static MinerRow? Parse(byte[] json)
    {
        try
        {
            var span = json.AsSpan();
            var reader = new Utf8JsonReader(span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

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
                    value = span[start..(int)reader.BytesConsumed];
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

            return indicator is null || value.IsEmpty ? null : new MinerRow(indicator, value) { LastRun = lastRun, AgeOut = ageOut, Withdrawn = withdrawn };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The text of a save's changed rows, packed into shared chunks (a million rows are a few thousand arrays, not a
    /// million): each row is a slice, read by the table store during the save.
    /// </summary>
    private sealed class RowChunks
    {
        private const int ChunkSize = 64 * 1024; // below the large-object threshold

        private byte[] _chunk = [];
        private int _used;

        public ReadOnlyMemory<byte> Add(ReadOnlySpan<byte> row)
        {
            if (row.Length > ChunkSize / 4)
            {
                return row.ToArray(); // a big row gets an array of its own
            }

            if (_chunk.Length - _used < row.Length)
            {
                (_chunk, _used) = (new byte[ChunkSize], 0);
            }

            row.CopyTo(_chunk.AsSpan(_used));
            var slice = new ReadOnlyMemory<byte>(_chunk, _used, row.Length);
            _used += row.Length;
            return slice;
        }
    }
}
