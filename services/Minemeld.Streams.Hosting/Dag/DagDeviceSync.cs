using System.Globalization;
using System.Xml.Linq;
using Minemeld.Streams.Core.Dag;
using Minemeld.Streams.Hosting.Nodes;

namespace Minemeld.Streams.Hosting.Dag;

/// <summary>
/// The two DAG pushers of MineMeld: <c>dag.DagPusher</c> (any PAN-OS) and <c>dag_ng.DagPusher</c> (8.0 and later).
/// </summary>
public enum DagFlavor
{
    /// <summary>
    /// Registered addresses found by their watermark tag; a <c>version</c> element in every User-ID message.
    /// </summary>
    Classic,

    /// <summary>
    /// PAN-OS 8.0 or later (checked): registered addresses read in pages of every address; a canary address
    /// (<c>::/128</c>, tag <c>&lt;prefix&gt;canary_for_resync</c>, not persistent, registered with a timeout) that the
    /// device loses with its other non-persistent registrations when it restarts, checked every five minutes.
    /// </summary>
    NextGeneration,
}

/// <summary>
/// Keeps one device's registered addresses equal to what the node holds: at the first sync (and after a failure, a
/// restart of the device seen by the canary, or <c>resync_interval</c>) the device's registrations that carry the
/// watermark are read and compared; after that only the changes since the last sync are sent. Unregistrations go
/// before registrations, 1,000 addresses per User-ID message. Tags without the prefix are never touched.
/// </summary>
public sealed class DagDeviceSync(PanOsDevice device, DagTagger tagger, DagFlavor flavor, bool persistent, TimeSpan resyncInterval, TimeProvider time)
{
    public const string CanaryAddress = "::/128";
    public const int ChunkSize = 1000;
    public const int PageSize = 500;
    public static readonly TimeSpan CanaryCheck = TimeSpan.FromMinutes(5);

    private Dictionary<string, SortedSet<string>>? _registered;
    private DateTimeOffset _readAt;
    private DateTimeOffset _canaryCheckedAt;
    private bool _versionChecked;

    public PanOsDevice Device => device;

    /// <summary>Why the last sync failed, or null after one that succeeded.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Makes the device's registrations equal <paramref name="desired"/> (address → tags). A failure forgets what is
    /// known of the device: the next sync reads it again.
    /// </summary>
    public async Task SyncAsync(IReadOnlyDictionary<string, SortedSet<string>> desired, NodeCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(counters);
        try
        {
            var now = time.GetUtcNow();
            if (flavor == DagFlavor.NextGeneration && !_versionChecked)
            {
                var version = await device.VersionAsync(cancellationToken).ConfigureAwait(false);
                if (!int.TryParse(version.Split('.')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var major) || major < 8)
                {
                    throw new PanOsException($"{device.Name}: PAN-OS {version}; dag_ng.DagPusher needs 8.0 or later (dag.DagPusher works with any)");
                }

                _versionChecked = true;
            }

            if (_registered is not null && now - _readAt >= resyncInterval)
            {
                _registered = null;
            }

            if (_registered is not null && flavor == DagFlavor.NextGeneration && now - _canaryCheckedAt >= CanaryCheck)
            {
                _canaryCheckedAt = now;
                if (!await CanaryAliveAsync(cancellationToken).ConfigureAwait(false))
                {
                    counters.Add("device.out_of_sync");
                    _registered = null;
                }
                else
                {
                    await SetCanaryAsync(cancellationToken).ConfigureAwait(false); // its timeout starts again
                }
            }

            var resync = _registered is null;
            var registered = _registered ?? await ReadRegisteredAsync(cancellationToken).ConfigureAwait(false);
            if (resync)
            {
                counters.Add("device.resync");
                (_readAt, _canaryCheckedAt) = (now, now);
            }

            var unregister = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            var register = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var (address, tags) in registered)
            {
                var gone = desired.TryGetValue(address, out var wanted) ? new SortedSet<string>(tags.Except(wanted), StringComparer.Ordinal) : tags;
                if (gone.Count > 0)
                {
                    unregister[address] = gone;
                }
            }

            foreach (var (address, tags) in desired)
            {
                var missing = registered.TryGetValue(address, out var held) ? new SortedSet<string>(tags.Except(held), StringComparer.Ordinal) : tags;
                if (missing.Count > 0)
                {
                    register[address] = missing;
                }
            }

            _registered = null; // unknown while messages are on their way
            await SendAsync("unregister", unregister, counters, cancellationToken).ConfigureAwait(false);
            await SendAsync("register", register, counters, cancellationToken).ConfigureAwait(false);
            if (resync && flavor == DagFlavor.NextGeneration)
            {
                await SetCanaryAsync(cancellationToken).ConfigureAwait(false);
            }

            _registered = desired.ToDictionary(static p => p.Key, static p => new SortedSet<string>(p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            LastError = null;
        }
        catch (Exception ex) when (ex is PanOsException or System.Xml.XmlException)
        {
            _registered = null;
            LastError = ex.Message;
            throw;
        }
    }

    /// <summary>What the device has registered under the watermark: address → the tags with the prefix.</summary>
    private async Task<Dictionary<string, SortedSet<string>>> ReadRegisteredAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        if (flavor == DagFlavor.NextGeneration)
        {
            for (var start = 1; ; start += PageSize)
            {
                var result = await device.OpAsync(Show(new XElement("start-point", start), new XElement("limit", PageSize), new XElement("all")), cancellationToken).ConfigureAwait(false);
                var count = int.TryParse(result.Element("count")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new PanOsException($"{device.Name}: the registered-ip answer has no count");
                foreach (var entry in result.Elements("entry"))
                {
                    Add(found, entry, requireWatermark: true);
                }

                if (count < PageSize)
                {
                    return found;
                }
            }
        }

        var tagged = await device.OpAsync(Show(new XElement("tag", new XElement("entry", new XAttribute("name", tagger.Watermark)))), cancellationToken).ConfigureAwait(false);
        foreach (var entry in tagged.Elements("entry"))
        {
            if (entry.Element("tag") is null && (string?)entry.Attribute("ip") is { } ip)
            {
                // Older versions list the addresses only: their tags are asked for one by one, as MineMeld did.
                var one = await device.OpAsync(Show(new XElement("ip", ip)), cancellationToken).ConfigureAwait(false);
                if (one.Element("entry") is { } detailed)
                {
                    Add(found, detailed, requireWatermark: false);
                }

                continue;
            }

            Add(found, entry, requireWatermark: false);
        }

        return found;
    }

    private void Add(Dictionary<string, SortedSet<string>> found, XElement entry, bool requireWatermark)
    {
        if ((string?)entry.Attribute("ip") is not { } ip)
        {
            return;
        }

        var tags = entry.Element("tag")?.Elements("member").Select(static m => m.Value.Trim()).ToList() ?? [];
        if (requireWatermark && !tags.Contains(tagger.Watermark))
        {
            return;
        }

        var ours = new SortedSet<string>(tags.Where(t => t.StartsWith(tagger.Prefix, StringComparison.Ordinal)), StringComparer.Ordinal);
        if (ours.Count > 0 && DagTagger.Address(ip.Split('/')[0], ip.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4", out _) is { } address && address != CanaryAddress.Split('/')[0])
        {
            found[address] = ours;
        }
    }

    private async Task SendAsync(string operation, Dictionary<string, SortedSet<string>> entries, NodeCounters counters, CancellationToken cancellationToken)
    {
        foreach (var chunk in entries.OrderBy(static e => e.Key, StringComparer.Ordinal).Chunk(ChunkSize))
        {
            var body = new XElement(operation, chunk.Select(e => Entry(operation, e.Key, e.Value, timeout: null)));
            await device.UserIdAsync(Message(body), cancellationToken).ConfigureAwait(false);
            counters.Add($"push.{operation}", chunk.Length);
        }
    }

    private XElement Entry(string operation, string address, IEnumerable<string> tags, int? timeout, bool? persistentOverride = null)
    {
        var entry = new XElement("entry", new XAttribute("ip", address));
        if (operation == "register")
        {
            entry.Add(new XAttribute("persistent", (persistentOverride ?? persistent) ? "1" : "0"));
        }

        entry.Add(new XElement("tag", tags.Select(t => timeout is { } seconds ? new XElement("member", new XAttribute("timeout", seconds), t) : new XElement("member", t))));
        return entry;
    }

    private XElement Message(XElement operation) => new(
        "uid-message",
        flavor == DagFlavor.Classic ? new XElement("version", "1.0") : null,
        new XElement("type", "update"),
        new XElement("payload", operation));

    private async Task<bool> CanaryAliveAsync(CancellationToken cancellationToken)
    {
        var result = await device.OpAsync(Show(new XElement("tag", new XElement("entry", new XAttribute("name", tagger.Prefix + "canary_for_resync")))), cancellationToken).ConfigureAwait(false);
        return result.Element("count")?.Value.Trim() == "1" || result.Elements("entry").Count() == 1;
    }

    private Task SetCanaryAsync(CancellationToken cancellationToken)
    {
        var seconds = (int)(CanaryCheck + TimeSpan.FromMinutes(2)).TotalSeconds;
        var register = new XElement("register", Entry("register", CanaryAddress, [tagger.Prefix + "canary_for_resync"], seconds, persistentOverride: false));
        return device.UserIdAsync(Message(register), cancellationToken);
    }

    private static XElement Show(params object[] content) => new("show", new XElement("object", new XElement("registered-ip", content)));
}
