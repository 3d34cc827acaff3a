namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A set of records, key → text (JSON), that one writer owns: an aggregator's rows, a local list. Every call is
/// atomic: a reader never sees half of a write.
/// </summary>
public interface IRecordStore
{
    /// <summary>The values of <paramref name="keys"/>, in order; null where a key has no record.</summary>
    Task<IReadOnlyList<string?>> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Every record.</summary>
    Task<IReadOnlyList<KeyValuePair<string, string>>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every record, the values as UTF-8 text: for a reader that parses them as JSON anyway (a local list of a million
    /// entries, an aggregator's rows), which then makes no string of each.
    /// </summary>
    Task<IReadOnlyList<KeyValuePair<string, byte[]>>> GetAllUtf8Async(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="sets"/> and deletes <paramref name="deletes"/> in one step.</summary>
    Task WriteAsync(IReadOnlyCollection<KeyValuePair<string, string>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="WriteAsync"/> with the values as UTF-8 text, as a node that keeps its rows as UTF-8 JSON has them:
    /// written as they are, not turned into strings first.
    /// </summary>
    Task WriteUtf8Async(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="records"/> the whole set, in one step.</summary>
    Task ReplaceAllAsync(IReadOnlyCollection<KeyValuePair<string, string>> records, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="keys"/>; returns how many existed.</summary>
    Task<long> DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes each record only if its value is still the one given (a record rewritten meanwhile survives); returns
    /// how many went.
    /// </summary>
    Task<long> DeleteIfUnchangedAsync(IReadOnlyCollection<KeyValuePair<string, string>> expected, CancellationToken cancellationToken);
}
