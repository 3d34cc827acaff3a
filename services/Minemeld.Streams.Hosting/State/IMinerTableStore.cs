namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A miner's table (field → UTF-8 bytes; the fields are <see cref="Nodes.Miners.MinerStateStore"/>'s buckets of rows)
/// and run times. <see cref="MinerTable.Version"/> grows with every save, so a replica that takes over the poll lease
/// can tell that another one wrote in between and reload.
/// </summary>
public interface IMinerTableStore
{
    /// <summary>The version of the last save; 0 when never saved.</summary>
    Task<long> ReadVersionAsync(CancellationToken cancellationToken);

    Task<MinerTable> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes one slice of a save's fields. The bytes are read during the call only (the caller writes the next slice
    /// into the same buffer), and a save's slices are written one after the other, each awaited.
    /// </summary>
    Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a save: deletes <paramref name="deleted"/>, records the run times and the source's cursor (when not null),
    /// empties the journal and bumps the version, the last four at once; returns the new version. The version moves
    /// last, so a reader that loaded while the save's fields were being written sees it change and loads again.
    /// </summary>
    Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun, string? cursor, CancellationToken cancellationToken);

    /// <summary>
    /// Appends to the journal of what is being published ahead of the saved table: one entry per slice of a cycle,
    /// written and awaited before the slice goes to the producer
    /// (<see cref="Nodes.Miners.MinerStateStore.JournalAsync"/>).
    /// </summary>
    Task JournalAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken);
}

/// <summary>
/// A miner's saved table: its fields as stored, the run times and version of the save, the journal entries
/// written since (what a cycle that did not save published, or was about to), and where an incremental source
/// (TAXII) is to go on from, saved with the table it filled.
/// </summary>
public sealed record MinerTable(IReadOnlyDictionary<string, byte[]> Fields, long? LastRun, long? LastSuccessfulRun, long Version, IReadOnlyList<byte[]> Journal, string? Cursor = null);
