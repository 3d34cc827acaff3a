using System.Text;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

internal sealed class MemoryRecordStore : IRecordStore
{
    private readonly Lock _gate = new();
    private Dictionary<string, string> _records = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<string?>> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string?>>([.. keys.Select(k => _records.GetValueOrDefault(k))]);
        }
    }

    public Task<IReadOnlyList<KeyValuePair<string, string>>> GetAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<KeyValuePair<string, string>>>([.. _records]);
        }
    }

    public Task<IReadOnlyList<KeyValuePair<string, byte[]>>> GetAllUtf8Async(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<KeyValuePair<string, byte[]>>>([.. _records.Select(static r => KeyValuePair.Create(r.Key, Encoding.UTF8.GetBytes(r.Value)))]);
        }
    }

    public Task WriteAsync(IReadOnlyCollection<KeyValuePair<string, string>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(deletes);
        lock (_gate)
        {
            Apply(_records, sets, deletes);
        }

        return Task.CompletedTask;
    }

    public Task WriteUtf8Async(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(sets);
        return WriteAsync([.. sets.Select(static s => KeyValuePair.Create(s.Key, System.Text.Encoding.UTF8.GetString(s.Value.Span)))], deletes, cancellationToken);
    }

    /// <summary>Writes then deletes, as one Redis MULTI would.</summary>
    private static void Apply(Dictionary<string, string> records, IEnumerable<KeyValuePair<string, string>> sets, IEnumerable<string> deletes)
    {
        foreach (var (key, value) in sets)
        {
            records[key] = value;
        }

        foreach (var key in deletes)
        {
            records.Remove(key);
        }
    }

    public Task ReplaceAllAsync(IReadOnlyCollection<KeyValuePair<string, string>> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(records);
        var replacement = new Dictionary<string, string>(records.Count, StringComparer.Ordinal);
        foreach (var (key, value) in records)
        {
            replacement[key] = value;
        }

        lock (_gate)
        {
            _records = replacement;
        }

        return Task.CompletedTask;
    }

    public Task<long> DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            return Task.FromResult((long)keys.Distinct(StringComparer.Ordinal).Count(_records.Remove));
        }
    }

    public Task<long> DeleteIfUnchangedAsync(IReadOnlyCollection<KeyValuePair<string, string>> expected, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(expected);
        lock (_gate)
        {
            long deleted = 0;
            foreach (var (key, value) in expected)
            {
                if (_records.TryGetValue(key, out var current) && current == value)
                {
                    _records.Remove(key);
                    deleted++;
                }
            }

            return Task.FromResult(deleted);
        }
    }
}
