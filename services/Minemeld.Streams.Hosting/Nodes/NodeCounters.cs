using System.Collections.Concurrent;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// A node's MineMeld counters (<c>update.rx</c>, <c>added</c>, <c>drop.overflow</c>...) in this process.
/// </summary>
public sealed class NodeCounters
{
    private readonly ConcurrentDictionary<string, long> _values = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Grows with every change: a reader that saw the same version has nothing new to report.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Add(string name, long delta = 1)
    {
        if (delta != 0)
        {
            _values.AddOrUpdate(name, static (_, d) => d, static (_, v, d) => v + d, delta);
            Interlocked.Increment(ref _version);
        }
    }

    public long this[string name] => _values.TryGetValue(name, out var v) ? v : 0;

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_values, StringComparer.Ordinal);
}
