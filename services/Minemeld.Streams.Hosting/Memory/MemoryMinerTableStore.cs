using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

internal sealed class MemoryMinerTableStore : IMinerTableStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _rows = new(StringComparer.Ordinal);
    private readonly List<byte[]> _journal = [];
    private long? _lastRun;
    private long? _lastSuccessfulRun;
    private long _version;
    private string? _cursor;

    public Task<long> ReadVersionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_version);
        }
    }

    public Task<MinerTable> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(new MinerTable(new Dictionary<string, byte[]>(_rows, StringComparer.Ordinal), _lastRun, _lastSuccessfulRun, _version, [.. _journal], _cursor));
        }
    }

    public Task WriteAsync(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> fields, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(fields);
        lock (_gate)
        {
            foreach (var (field, bytes) in fields)
            {
                _rows[field] = bytes.ToArray();
            }

            return Task.CompletedTask;
        }
    }

    public Task<long> CommitAsync(IReadOnlyCollection<string> deleted, long? lastRun, long? lastSuccessfulRun, string? cursor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(deleted);
        lock (_gate)
        {
            foreach (var field in deleted)
            {
                _rows.Remove(field);
            }

            _lastRun = lastRun ?? _lastRun;
            _lastSuccessfulRun = lastSuccessfulRun ?? _lastSuccessfulRun;
            _cursor = cursor ?? _cursor;
            _journal.Clear();
            return Task.FromResult(++_version);
        }
    }

    public Task JournalAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _journal.Add(entry.ToArray());
            return Task.CompletedTask;
        }
    }
}
