namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A miner's table (row key → JSON row, UTF-8) and run times. <see cref="MinerTable.Version"/> grows with every save, so a
/// replica that takes over the poll lease can tell that another one wrote in between and reload.
/// </summary>
public interface IMinerTableStore
{
    /// <summary>The version of the last save; 0 when never saved.</summary>
    Task<long> ReadVersionAsync();

    Task<MinerTable> LoadAsync();

    /// <summary>
    /// Writes changed rows, deletes vanished ones, then records the run times and bumps the version; returns the new
    /// version. The version moves last, so a reader that loaded while rows were being written sees it change and
    /// loads again. A changed row's bytes are read during the call only (they may lie in a buffer shared by many rows).
    /// </summary>
    Task<long> SaveAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> changed, IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun);
}

/// <summary>A miner's saved table.</summary>
public sealed record MinerTable(IReadOnlyDictionary<string, byte[]> Rows, long? LastRun, long? LastSuccessfulRun, long Version);
