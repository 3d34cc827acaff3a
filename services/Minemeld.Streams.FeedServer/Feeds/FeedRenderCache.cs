using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// Rendered feed bodies on disk, keyed by feed, version and request fingerprint: thousands of firewalls polling the
/// same URL cost one render per feed version, and later requests are served as files (with a gzip twin made on
/// first demand). A render streams to the client and to a temporary file at once; only a complete render is kept.
/// Superseded versions of a (feed, fingerprint) are deleted as soon as a newer one lands; the rest is bounded by
/// <see cref="FeedServerOptions.CacheMaxBytes"/>, least recently used first. The directory is this process's own.
/// </summary>
public sealed class FeedRenderCache : IDisposable
{
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _latest = new(StringComparer.Ordinal);
    private readonly Lock _evictLock = new();
    private long _bytes;

    public FeedRenderCache(IOptions<FeedServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxBytes = options.Value.CacheMaxBytes;
        _directory = options.Value.CacheDirectory is { Length: > 0 } configured
            ? Path.Combine(configured, $"feedserver-{Environment.ProcessId}")
            : Path.Combine(Path.GetTempPath(), "minemeld-feed-cache", $"feedserver-{Environment.ProcessId}-{Guid.NewGuid():N}");
        if (Enabled)
        {
            Directory.CreateDirectory(_directory);
        }
    }

    public bool Enabled => _maxBytes > 0;

    public static string Key(string feed, long version, string fingerprint) => $"{feed}.{version}.{fingerprint}";

    /// <summary>
    /// The cached body, or its gzip twin (made now if missing) when <paramref name="gzip"/> is asked.
    /// </summary>
    public async Task<FileInfo?> TryGetAsync(string key, bool gzip, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        entry.Touch();
        if (!gzip)
        {
            return File.Exists(entry.Path) ? new FileInfo(entry.Path) : null;
        }

        var zipped = entry.Path + ".gz";
        await entry.GzipLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(zipped))
            {
                var temp = zipped + ".tmp";
                await using (var source = File.OpenRead(entry.Path))
                await using (var target = File.Create(temp))
                await using (var compressor = new GZipStream(target, CompressionLevel.Optimal))
                {
                    await source.CopyToAsync(compressor, cancellationToken).ConfigureAwait(false);
                }

                File.Move(temp, zipped, overwrite: true);
                Interlocked.Add(ref _bytes, new FileInfo(zipped).Length);
            }
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            entry.GzipLock.Release();
        }

        return new FileInfo(zipped);
    }

    /// <summary>
    /// The newest body cached for <paramref name="feed"/> rendered with <paramref name="fingerprint"/>, whatever its
    /// version, and that version: what a request may be given, marked stale, while Redis cannot say what is current.
    /// </summary>
    public async Task<(FileInfo File, long Version)?> TryGetLatestAsync(string feed, string fingerprint, bool gzip, CancellationToken cancellationToken)
    {
        if (!_latest.TryGetValue($"{feed}.{fingerprint}", out var key) ||
            !long.TryParse(key.AsSpan(feed.Length + 1, key.Length - feed.Length - fingerprint.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        return await TryGetAsync(key, gzip, cancellationToken).ConfigureAwait(false) is { } file ? (file, version) : null;
    }

    /// <summary>
    /// A temporary file to render into; <see cref="CommitAsync"/> publishes it, disposing without commit drops it.
    /// </summary>
    public FileStream? BeginWrite(string key)
    {
        if (!Enabled || _entries.ContainsKey(key))
        {
            return null;
        }

        try
        {
            return new FileStream(Path.Combine(_directory, $"{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async Task CommitAsync(string key, string series, FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        await file.FlushAsync().ConfigureAwait(false);
        var length = file.Length;
        var temp = file.Name;
        await file.DisposeAsync().ConfigureAwait(false);
        var path = Path.Combine(_directory, key.Replace('/', '_'));
        var entry = new Entry(path);
        if (!_entries.TryAdd(key, entry))
        {
            File.Delete(temp);
            return;
        }

        File.Move(temp, path, overwrite: true);
        Interlocked.Add(ref _bytes, length);
        if (_latest.TryGetValue(series, out var previous) && previous != key)
        {
            Remove(previous);
        }

        _latest[series] = key;
        Evict();
    }

    public static void Abandon(FileStream? file)
    {
        if (file is null)
        {
            return;
        }

        var name = file.Name;
        file.Dispose();
        File.Delete(name);
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.GzipLock.Dispose();
        }

        try
        {
            if (Enabled)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private void Remove(string key)
    {
        if (!_entries.TryRemove(key, out var entry))
        {
            return;
        }

        foreach (var path in new[] { entry.Path, entry.Path + ".gz" })
        {
            try
            {
                var info = new FileInfo(path);
                if (info.Exists)
                {
                    Interlocked.Add(ref _bytes, -info.Length);
                    info.Delete();
                }
            }
            catch (IOException)
            {
                // A reader still has it open on a platform that forbids deleting; it is a temp dir, leave it.
            }
        }
    }

    private void Evict()
    {
        if (Interlocked.Read(ref _bytes) <= _maxBytes)
        {
            return;
        }

        lock (_evictLock)
        {
            foreach (var (key, _) in _entries.OrderBy(static e => e.Value.LastAccess).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= _maxBytes)
                {
                    break;
                }

                Remove(key);
            }
        }
    }

    private sealed class Entry(string path)
    {
        public string Path => path;

        public long LastAccess { get; private set; } = Environment.TickCount64;

        public SemaphoreSlim GzipLock { get; } = new(1, 1);

        public void Touch() => LastAccess = Environment.TickCount64;
    }
}
