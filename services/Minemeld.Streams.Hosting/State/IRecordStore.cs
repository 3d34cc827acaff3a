namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A set of records, key → value, that one writer owns: an aggregator's rows, a local list, console sessions. A value
/// is UTF-8 text, JSON for every record but a node command, and goes in and out as bytes: a reader that parses JSON
/// (a local list of a million entries, an aggregator's rows) makes no string of it, and a node that keeps its rows as
/// UTF-8 JSON writes them as they are. A record read is the same shape as a record written, so what was read can be
/// handed back to <see cref="DeleteIfUnchangedAsync"/>. Every call is atomic: a reader never sees half of a write.
/// </summary>
public interface IRecordStore
{
    /// <summary>The values of <paramref name="keys"/>, in order; null where a key has no record.</summary>
    Task<IReadOnlyList<byte[]?>> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Every record.</summary>
    Task<IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="sets"/> and deletes <paramref name="deletes"/> in one step.</summary>
    Task WriteAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="records"/> the whole set, in one step.</summary>
    Task ReplaceAllAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> records, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="keys"/>; returns how many existed.</summary>
    Task<long> DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes each record only if its value is still the one given, byte for byte (a record rewritten meanwhile
    /// survives); returns how many went.
    /// </summary>
    Task<long> DeleteIfUnchangedAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> expected, CancellationToken cancellationToken);
}
