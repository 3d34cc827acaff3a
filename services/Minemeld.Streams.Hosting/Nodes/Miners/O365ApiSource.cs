using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// MineMeld's <c>O365API</c> source: Microsoft's Office 365 IP address and URL web service. Each poll asks
/// <c>/version/{instance}</c> first and reads <c>/endpoints/{instance}</c> (with <c>serviceareas</c> and
/// <c>tenantname</c> when configured) only when the latest version is newer than the one it read last, as Microsoft
/// asks clients to; otherwise the poll is the endpoints it read last, unchanged. A restarted process reads the
/// endpoints once. Every call carries the node's <c>clientrequestid</c>, a GUID derived from the graph and node
/// names, so it stays the same across restarts and replicas.
/// </summary>
public sealed class O365ApiSource
{
    /// <summary>
    /// Microsoft's service; <c>url</c> in the config points the node at another (a mirror, a test server).
    /// </summary>
    public const string DefaultUrl = "https://endpoints.office.com";

    private readonly FeedFetcher _fetcher;
    private readonly O365ApiParser _parser;
    private readonly string _base;
    private readonly string _instance;
    private readonly string _query;
    private string? _version;
    private List<FeedItem>? _items;

    public O365ApiSource(JsonObject config, string graph, string node, FeedFetcher fetcher, SideConfig side)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(side);
        _fetcher = fetcher;
        _parser = new O365ApiParser(config, () => side.GetFlag("disable_integrations"));
        _base = (JsonNodeValues.TryGetString(config["url"], out var url) ? url : DefaultUrl).TrimEnd('/');
        _instance = Uri.EscapeDataString(JsonNodeValues.TryGetString(config["instance"], out var instance) ? instance : "Worldwide");
        var query = new StringBuilder($"clientrequestid={ClientRequestId(graph, node)}");
        if (JsonNodeValues.TryGetString(config["tenant_name"], out var tenant))
        {
            query.Append("&tenantname=").Append(Uri.EscapeDataString(tenant));
        }

        if (config["service_areas"] is JsonArray { Count: > 0 } areas)
        {
            query.Append("&serviceareas=").Append(Uri.EscapeDataString(string.Join(',', areas.Select(static a => a?.ToString()))));
        }

        _query = query.ToString();
    }

    /// <summary>
    /// The GUID every call of this node carries: a name-based UUID (version 5) of the graph and node names.
    /// </summary>
    public static Guid ClientRequestId(string graph, string node)
    {
        // SHA-1 is what RFC 9562 specifies for name-based UUIDs; nothing here depends on it resisting collisions.
#pragma warning disable CA5350
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"minemeld.streams/{graph}/{node}"));
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>The poll's items: read again when the service has a newer version, else the last ones.</summary>
    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var latest = await LatestVersionAsync(cancellationToken).ConfigureAwait(false);
        if (_items is not null && _version is not null && string.CompareOrdinal(latest, _version) <= 0)
        {
            return _items;
        }

        var document = await _fetcher.FetchAsync($"{_base}/endpoints/{_instance}?{_query}", cancellationToken).ConfigureAwait(false);
        var items = _parser.Parse(new StringReader(document), report).ToList();
        if (report.Failure is null)
        {
            (_version, _items) = (latest, items);
        }

        return items;
    }

    private async Task<string> LatestVersionAsync(CancellationToken cancellationToken)
    {
        var url = $"{_base}/version/{_instance}?{_query}";
        var answer = await _fetcher.FetchAsync(url, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(answer) is JsonObject version && JsonNodeValues.TryGetString(version["latest"], out var latest)
                ? latest
                : throw new FeedFetchException($"GET {url}: the answer has no 'latest' version");
        }
        catch (JsonException ex)
        {
            throw new FeedFetchException($"GET {url}: not JSON ({ex.Message})", ex);
        }
    }
}
