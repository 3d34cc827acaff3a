namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A miner's table (field → UTF-8 bytes; the fields are <see cref="Nodes.MinerStateStore"/>'s buckets of rows) and run
/// times. <see cref="MinerTable.Version"/> grows with every save, so a replica that takes over the poll lease can tell
/// that another one wrote in between and reload.
/// </summary>
public interface IMinerTableStore
{
    /// <summary>The version of the last save; 0 when never saved.</summary>
    Task<long> ReadVersionAsync();

    Task<MinerTable> LoadAsync();

    /// <summary>
    /// Writes one slice of a save's fields. The bytes are read during the call only (the caller writes the next slice
    /// into the same buffer), and a save's slices are written one after the other, each awaited.
    /// </summary>
    Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields);

    /// <summary>
    /// Ends a save: deletes <paramref name="deleted"/>, records the run times and bumps the version; returns the new
    /// version. The version moves last, so a reader that loaded while the save's fields were being written sees it
    /// change and loads again.
    /// </summary>
    Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun);
}

/// <summary>A miner's saved table: its fields as stored, and the run times and version of the save.</summary>
public sealed record MinerTable(IReadOnlyDictionary<string, byte[]> Fields, long? LastRun, long? LastSuccessfulRun, long Version);
