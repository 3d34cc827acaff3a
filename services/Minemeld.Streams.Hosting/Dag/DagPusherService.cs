using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Dag;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Yaml;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Dag;

/// <summary>
/// The pushing side of a DAG pusher node: one replica at a time (the node's lease, as miners have) keeps every device
/// of the device list equal to the node's addresses and tags (<see cref="DagDeviceSync"/>). It wakes when a batch
/// changed them (the node's HUP), and every few seconds to keep its lease, reload a changed device list
/// (<c>device_list</c>, by default <c>&lt;node&gt;_device_list.yml</c> beside the graph: a list of devices with
/// <c>hostname</c>, <c>api_key</c> or <c>api_username</c>/<c>api_password</c>, and optionally <c>port</c>,
/// <c>vsys</c>, <c>serial</c>, <c>ca_file</c>, <c>verify_cert</c>) and, with <c>age_out_interval</c>, to unregister
/// addresses not refreshed for <c>age_out</c> seconds. A device that fails is retried a minute later with a full
/// resync; the others go on.
/// </summary>
public sealed partial class DagPusherService : BackgroundService, INodeStatistics
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FailedDeviceDelay = TimeSpan.FromMinutes(1);

    private readonly GraphNode _node;
    private readonly string _graph;
    private readonly IStateStore _store;
    private readonly IRecordStore _rows;
    private readonly IMinerLease _lease;
    private readonly MinerRunOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DagTagger _tagger;
    private readonly DagFlavor _flavor;
    private readonly bool _persistent;
    private readonly TimeSpan _resync;
    private readonly TimeSpan? _ageOutEvery;
    private readonly string _deviceListPath;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, (DagDeviceSync Sync, DateTimeOffset RetryAt)> _devices = new(StringComparer.Ordinal);
    private DateTime? _deviceListStamp;
    private DateTimeOffset _nextAgeOut;

    public DagPusherService(GraphNode node, string graph, IStateStore store, MinerRunOptions options, TimeProvider time, ILogger<DagPusherService> logger)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        (_node, _graph, _store, _options, _time, _logger) = (node, graph, store, options, time, logger);
        _rows = store.AggregatorRows(graph, node.Name);
        _lease = store.MinerLease(graph, node.Name);
        _tagger = DagTagger.FromConfig(node.Config);
        _flavor = node.Class.Name == NodeClassRegistry.DagPusherNg ? DagFlavor.NextGeneration : DagFlavor.Classic;
        _persistent = !JsonNodeValues.TryGetBoolean(node.Config["persistent_registered_ips"], out var persistent) || persistent;
        _resync = TimeSpan.FromSeconds(Duration.SecondsOr(node.Config["resync_interval"], 3600));
        _ageOutEvery = node.Config["age_out_interval"] is { } every ? TimeSpan.FromSeconds(Duration.SecondsOr(every, 3600)) : null;
        var directory = options.GraphDirectory ?? Directory.GetCurrentDirectory();
        _deviceListPath = JsonNodeValues.TryGetString(node.Config["device_list"], out var list)
            ? Path.GetFullPath(list, directory)
            : Path.Combine(directory, $"{node.Name}_device_list.yml");
    }

    public string Node => _node.Name;

    public NodeCounters Counters { get; } = new();

    /// <summary>The addresses the node holds, as this replica last read them (null before it held the lease).</summary>
    public long? Length { get; private set; }

    /// <summary>What went wrong with the device list or a device at the last look, or null.</summary>
    public string? Problem => DeviceListError ?? _devices.Values.Select(static d => d.Sync.LastError).FirstOrDefault(static e => e is not null);

    /// <summary>Whether this replica pushed at its last look (it holds the node's lease).</summary>
    public bool HoldsLease { get; private set; }

    /// <summary>The devices of the list, each with why its last sync failed (null when it succeeded).</summary>
    public IReadOnlyDictionary<string, string?> Devices => _devices.ToDictionary(static d => d.Key, static d => d.Value.Sync.LastError, StringComparer.Ordinal);

    /// <summary>Why the device list could not be used, or null.</summary>
    public string? DeviceListError { get; private set; }

    /// <summary>Syncs completed by this replica (for tests and status).</summary>
    public int Syncs { get; private set; }

    /// <summary>Pushes at once (a changed batch, or a test).</summary>
    public void Nudge()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A sync is already pending.
        }
    }

    public override void Dispose()
    {
        foreach (var (sync, _) in _devices.Values)
        {
            sync.Device.Dispose();
        }

        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscription = await _store.Hup.SubscribeAsync(_graph, _node.Name, Nudge, stoppingToken).ConfigureAwait(false);
        try
        {
            _nextAgeOut = _time.GetUtcNow() + (_ageOutEvery ?? TimeSpan.Zero);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await CycleAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (StateStoreFaults.IsFault(ex))
                {
                    LogStoreFault(_logger, ex, _node.Name);
                }

                await _wake.WaitAsync(Tick, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            try
            {
                // Released while stopping (the token has fired): another replica takes over now, not after the lease.
                await _lease.ReleaseAsync(_options.InstanceId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                LogStoreFault(_logger, ex, _node.Name);
            }
        }
    }

    /// <summary>One look: the lease, the device list, the age-out, then every device that is due.</summary>
    public async Task CycleAsync(CancellationToken cancellationToken)
    {
        HoldsLease = await _lease.TryAcquireAsync(_options.InstanceId, _options.LeaseTtl, cancellationToken).ConfigureAwait(false);
        if (!HoldsLease)
        {
            return;
        }

        ReloadDeviceList();
        var now = _time.GetUtcNow();
        var desired = await ReadDesiredAsync(now, cancellationToken).ConfigureAwait(false);
        Length = desired.Count;
        foreach (var (name, (sync, retryAt)) in _devices.ToList())
        {
            if (retryAt > now)
            {
                continue;
            }

            try
            {
                await sync.SyncAsync(desired, Counters, cancellationToken).ConfigureAwait(false);
                _devices[name] = (sync, DateTimeOffset.MinValue);
            }
            catch (PanOsException ex)
            {
                Counters.Add("error.push");
                _devices[name] = (sync, now + FailedDeviceDelay);
                LogDeviceFailed(_logger, _node.Name, ex.Message);
            }
        }

        Syncs++;
    }

    /// <summary>
    /// The node's addresses and tags; those past their age-out are deleted first (with <c>age_out_interval</c>).
    /// </summary>
    private async Task<Dictionary<string, SortedSet<string>>> ReadDesiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var records = await _rows.GetAllAsync(cancellationToken).ConfigureAwait(false);
        var sweep = _ageOutEvery is not null && now >= _nextAgeOut;
        var expired = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        var desired = new Dictionary<string, SortedSet<string>>(records.Count, StringComparer.Ordinal);
        foreach (var (address, json) in records)
        {
            var row = JsonSerializer.Deserialize(json.Span, RowContext.Default.Row);
            if (row is null)
            {
                continue;
            }

            if (sweep && row.AgeOut < now.ToUnixTimeMilliseconds())
            {
                expired.Add(KeyValuePair.Create(address, json));
                continue;
            }

            desired[address] = new SortedSet<string>(row.Tags, StringComparer.Ordinal);
        }

        if (sweep)
        {
            _nextAgeOut = now + _ageOutEvery!.Value;
            if (expired.Count > 0)
            {
                // Only rows not refreshed meanwhile go; a refreshed one stays (and is pushed at the next look).
                Counters.Add("aged_out", await _rows.DeleteIfUnchangedAsync(expired, cancellationToken).ConfigureAwait(false));
            }
        }

        return desired;
    }

    private void ReloadDeviceList()
    {
        var stamp = File.Exists(_deviceListPath) ? File.GetLastWriteTimeUtc(_deviceListPath) : (DateTime?)null;
        if (stamp == _deviceListStamp)
        {
            return;
        }

        _deviceListStamp = stamp;
        if (stamp is null)
        {
            DeviceListError = $"no device list at {_deviceListPath}: nothing is pushed";
            LogDeviceList(_logger, _node.Name, DeviceListError);
            Replace([]);
            return;
        }

        try
        {
            var (root, _) = YamlDocument.Parse(File.ReadAllText(_deviceListPath), _deviceListPath);
            if (root is not null and not JsonArray)
            {
                throw new FormatException("a device list is a YAML list of devices");
            }

            var devices = new List<(string Key, JsonObject Entry)>();
            foreach (var item in root as JsonArray ?? [])
            {
                if (item is not JsonObject entry)
                {
                    throw new FormatException("every item of the device list is a mapping (hostname, api_key, ...)");
                }

                devices.Add((entry.ToJsonString(), entry));
            }

            Replace(devices);
            DeviceListError = null;
            LogDeviceListLoaded(_logger, _node.Name, devices.Count, _deviceListPath);
        }
        catch (Exception ex) when (ex is FormatException or YamlLoadException or IOException or System.Security.Cryptography.CryptographicException)
        {
            // The devices loaded before stay: a half-edited file does not stop the pushes.
            DeviceListError = $"{_deviceListPath}: {ex.Message}";
            Counters.Add("error.device_list");
            LogDeviceList(_logger, _node.Name, DeviceListError);
        }
    }

    /// <summary>
    /// Keeps the devices whose entry did not change (and what they know), adds the new ones, drops the rest.
    /// </summary>
    private void Replace(List<(string Key, JsonObject Entry)> devices)
    {
        var keep = devices.Select(static d => d.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _devices.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            _devices[gone].Sync.Device.Dispose();
            _devices.Remove(gone);
        }

        foreach (var (key, entry) in devices.Where(d => !_devices.ContainsKey(d.Key)))
        {
            var device = PanOsDevice.FromEntry(entry, Path.GetDirectoryName(_deviceListPath));
            _devices[key] = (new DagDeviceSync(device, _tagger, _flavor, _persistent, _resync, _time), DateTimeOffset.MinValue);
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "DAG pusher {Node}: {Error}; retrying with a full resync in a minute")]
    private static partial void LogDeviceFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "DAG pusher {Node}: device list: {What}")]
    private static partial void LogDeviceList(ILogger logger, string node, string what);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "DAG pusher {Node}: {Count} devices from {Path}")]
    private static partial void LogDeviceListLoaded(ILogger logger, string node, int count, string path);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "DAG pusher {Node}: the state store failed; trying again")]
    private static partial void LogStoreFault(ILogger logger, Exception exception, string node);
}
