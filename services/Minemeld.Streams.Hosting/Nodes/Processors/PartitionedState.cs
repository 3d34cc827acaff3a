using Confluent.Kafka;

namespace Minemeld.Streams.Hosting.Nodes.Processors;

/// <summary>
/// Keyed state a consumer holds for the partitions it owns. Each key remembers the partition its messages arrive
/// on, so a revocation drops exactly that partition's keys (their new owner loads them from Redis). Not
/// thread-safe: callers hold their own lock.
/// </summary>
internal sealed class PartitionedState<T>
{
    private const int NoPartition = -1;

    private readonly Dictionary<string, (T Value, int Partition)> _entries = new(StringComparer.Ordinal);

    public IEnumerable<T> Values => _entries.Values.Select(static e => e.Value);

    public T this[string key] => _entries[key].Value;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, out T value)
    {
        var found = _entries.TryGetValue(key, out var entry);
        value = entry.Value;
        return found;
    }

    public void TryAdd(string key, T value) => _entries.TryAdd(key, (value, NoPartition));

    /// <summary>Records that <paramref name="key"/> arrived on <paramref name="partition"/>.</summary>
    public void Seen(string key, int partition)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Partition != partition)
        {
            _entries[key] = (entry.Value, partition);
        }
    }

    /// <summary>Drops the keys of partitions this consumer no longer owns.</summary>
    public void Revoke(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var revoked = partitions.Select(static p => p.Partition.Value).ToHashSet();
        foreach (var key in _entries.Where(e => revoked.Contains(e.Value.Partition)).Select(static e => e.Key).ToList())
        {
            _entries.Remove(key);
        }
    }

    public void Clear() => _entries.Clear();
}
