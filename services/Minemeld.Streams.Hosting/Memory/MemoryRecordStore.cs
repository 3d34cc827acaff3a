using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>
/// Records in a dictionary under one lock. A value is copied in when written and handed out read-only, so neither a
/// writer changing its buffer afterwards nor a reader can change what is stored.
/// </summary>
internal sealed class MemoryRecordStore : IRecordStore
{
    private readonly Lock _gate = new();
    private Dictionary<string, byte[]> _records = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<byte[]?>> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            // A byte[] is writable: each reader gets its own copy, as it would from Redis.
            return Task.FromResult<IReadOnlyList<byte[]?>>([.. keys.Select(k => _records.GetValueOrDefault(k)?.ToArray())]);
        }
    }

    public Task<IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>>> GetAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>>>([.. _records.Select(static r => KeyValuePair.Create(r.Key, (ReadOnlyMemory<byte>)r.Value))]);
        }
    }

    public Task WriteAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> sets, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(deletes);
        lock (_gate)
        {
            // Writes then deletes, as one Redis MULTI would.
            foreach (var (key, value) in sets)
            {
                _records[key] = value.ToArray();
            }

            foreach (var key in deletes)
            {
                _records.Remove(key);
            }
        }

        return Task.CompletedTask;
    }

    public Task ReplaceAllAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(records);
        var replacement = new Dictionary<string, byte[]>(records.Count, StringComparer.Ordinal);
        foreach (var (key, value) in records)
        {
            replacement[key] = value.ToArray();
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

    public Task<long> DeleteIfUnchangedAsync(IReadOnlyCollection<KeyValuePair<string, ReadOnlyMemory<byte>>> expected, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(expected);
        lock (_gate)
        {
            long deleted = 0;
            foreach (var (key, value) in expected)
            {
                if (_records.TryGetValue(key, out var current) && current.AsSpan().SequenceEqual(value.Span))
                {
                    _records.Remove(key);
                    deleted++;
                }
            }

            return Task.FromResult(deleted);
        }
    }
}
