using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// MineMeld's <c>taxii2.Taxii2Client</c>: reads a TAXII 2.1 (or 2.0) collection's STIX indicators
/// (<see cref="Stix2Parser"/>). Each poll reads the server's discovery document (TAXII 2.1 asked first, 2.0 when the
/// server answers 406), takes the API root whose URL ends with <c>api_root</c> (else the default one), the collection
/// whose id or title is <c>collection</c> (else the first readable one), then its objects added after the saved
/// cursor (at most <c>initial_interval</c> back, one day by default), <c>limit</c> 100 per page, following
/// <c>more</c>/<c>next</c>. The cursor is the last <c>X-TAXII-Date-Added-Last</c> the server answered, saved with the
/// table the poll filled.
/// <para>
/// Settings come from the node's config or its side config (read at every poll): <c>discovery_service</c>,
/// <c>api_root</c>, <c>collection</c>, <c>auth_type</c> (none, basic with <c>username</c>/<c>password</c>, apikey
/// with <c>api_key</c> sent as <c>Authorization: Token</c>), <c>verify_cert</c> and <c>enabled</c>: MineMeld's
/// prototypes ship disabled, and a disabled node's poll fails saying so, withdrawing nothing.
/// </para>
/// </summary>
public sealed class Taxii2ClientSource : IDisposable
{
    public const string Taxii21 = "application/taxii+json;version=2.1";
    public const string Taxii20 = "application/vnd.oasis.taxii+json; version=2.0";
    private const int PageLimit = 100;

    private readonly JsonObject _config;
    private readonly string? _graphDirectory;
    private readonly SideConfig _side;
    private readonly ISourceCursor _cursor;
    private readonly TimeProvider _time;
    private readonly long _initialSeconds;
    private FeedFetcher? _fetcher;
    private string? _fetcherKey;

    public Taxii2ClientSource(JsonObject config, string? graphDirectory, SideConfig side, ISourceCursor cursor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        (_config, _graphDirectory, _side, _cursor, _time) = (config, graphDirectory, side, cursor, time);
        _initialSeconds = Duration.SecondsOr(config["initial_interval"], 86_400);
    }

    /// <summary>The discovery service, for messages.</summary>
    public string Source => Setting("discovery_service") ?? "(no discovery_service)";

    public void Dispose() => _fetcher?.Dispose();

    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var enabled = _side.GetNode("enabled");
        if (!(JsonNodeValues.TryGetBoolean(enabled, out var on) ? on : JsonNodeValues.TryGetString(enabled, out var text) && text is "yes" or "true"))
        {
            throw new FeedFetchException($"disabled: set enabled: yes in the node's config or in {_side.FilePath} once its settings are filled in");
        }

        var discovery = Setting("discovery_service") is { Length: > 0 } d ? d : throw new FeedFetchException($"no discovery_service: set it in the node's config or in {_side.FilePath}");
        var fetcher = Fetcher(discovery);
        var headers = Headers(Taxii21);
        FetchedDocument root;
        try
        {
            root = await fetcher.GetDocumentAsync(discovery, headers, cancellationToken).ConfigureAwait(false);
        }
        catch (FeedFetchException ex) when (ex.StatusCode == 406)
        {
            headers = Headers(Taxii20);
            root = await fetcher.GetDocumentAsync(discovery, headers, cancellationToken).ConfigureAwait(false);
        }

        var apiRoot = ApiRoot(Json(root.Body, discovery), discovery);
        var collections = Json((await fetcher.GetDocumentAsync($"{apiRoot}collections/", headers, cancellationToken).ConfigureAwait(false)).Body, $"{apiRoot}collections/");
        var collectionId = Collection(collections, apiRoot);

        var oldest = _time.GetUtcNow().AddSeconds(-_initialSeconds);
        var after = _cursor.Current is { } saved && DateTimeOffset.TryParse(saved, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from) && from > oldest ? saved : Stamp(oldest);
        var objects = new List<JsonObject>();
        var last = after;
        string? next = null;
        for (var page = 0; ; page++)
        {
            var url = $"{apiRoot}collections/{Uri.EscapeDataString(collectionId)}/objects/?limit={PageLimit}&added_after={Uri.EscapeDataString(after)}"
                + (next is null ? string.Empty : $"&next={Uri.EscapeDataString(next)}");
            var answer = await fetcher.GetDocumentAsync(url, headers, cancellationToken).ConfigureAwait(false);
            var envelope = Json(answer.Body, url);
            objects.AddRange((envelope["objects"] as JsonArray ?? []).OfType<JsonObject>());
            if (answer.Headers.TryGetValue("X-TAXII-Date-Added-Last", out var addedLast) && addedLast.Length > 0)
            {
                last = addedLast;
            }

            next = JsonNodeValues.TryGetString(envelope["next"], out var n) ? n : null;
            var more = JsonNodeValues.TryGetBoolean(envelope["more"], out var m) && m;
            if (!more || next is null)
            {
                break;
            }

            if (page > 10_000)
            {
                throw new FeedFetchException($"{url}: more than 10,000 pages in one poll");
            }
        }

        var items = Stix2Parser.Items(objects, _config["attributes"] as JsonObject ?? [], _time.GetUtcNow(), report).ToList();
        _cursor.Advance(last);
        return items;
    }

    private string? Setting(string key) => _side.Get(key);

    private Dictionary<string, string> Headers(string accept)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Accept"] = accept };
        var auth = Setting("auth_type") ?? (Setting("api_key") is { Length: > 0 } ? "apikey" : Setting("username") is { Length: > 0 } ? "basic" : "none");
        switch (auth)
        {
            case "apikey":
                headers["Authorization"] = $"Token {(Setting("api_key") is { Length: > 0 } key ? key : throw new FeedFetchException($"auth_type apikey and no api_key in {_side.FilePath}"))}";
                break;
            case "basic":
                var user = Setting("username") is { Length: > 0 } u ? u : throw new FeedFetchException($"auth_type basic and no username in {_side.FilePath}");
                headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{Setting("password")}"));
                break;
            case "none":
                break;
            default:
                throw new FeedFetchException($"auth_type '{auth}' is not none, basic or apikey");
        }

        return headers;
    }

    /// <summary>The fetcher for the discovery service's host, built again when it or verify_cert changes.</summary>
    private FeedFetcher Fetcher(string discovery)
    {
        var verify = _side.GetNode("verify_cert");
        var key = $"{discovery}|{verify?.ToJsonString()}";
        if (_fetcher is null || key != _fetcherKey)
        {
            var settings = (JsonObject)_config.DeepClone();
            settings["url"] = discovery;
            settings.Remove("username");
            settings.Remove("password");
            // MineMeld wrote yes/no; a false or no turns verification off for this server.
            settings["verify_cert"] = verify is null ? null : JsonNodeValues.TryGetBoolean(verify, out var b) ? b : verify.ToString() is not ("no" or "false");
            _fetcher?.Dispose();
            (_fetcher, _fetcherKey) = (new FeedFetcher(settings, _graphDirectory), key);
        }

        return _fetcher;
    }

    private string ApiRoot(JsonObject discovery, string url)
    {
        var roots = (discovery["api_roots"] as JsonArray ?? []).Select(static r => r?.ToString() ?? string.Empty).Where(static r => r.Length > 0).ToList();
        var wanted = Setting("api_root");
        var root = (string.IsNullOrEmpty(wanted) ? null : roots.FirstOrDefault(r => r.TrimEnd('/').EndsWith(wanted.TrimEnd('/'), StringComparison.Ordinal)))
            ?? (JsonNodeValues.TryGetString(discovery["default"], out var fallback) ? fallback : null)
            ?? (roots.Count > 0 ? roots[0] : null)
            ?? throw new FeedFetchException($"{url}: the discovery document lists no API root");
        if (!string.IsNullOrEmpty(wanted) && !root.TrimEnd('/').EndsWith(wanted.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new FeedFetchException($"{url}: no API root ending with '{wanted}' (the server has: {string.Join(", ", roots)})");
        }

        var absolute = new Uri(new Uri(url), root).ToString();
        return absolute.EndsWith('/') ? absolute : absolute + "/";
    }

    private string Collection(JsonObject collections, string apiRoot)
    {
        var all = (collections["collections"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var wanted = Setting("collection");
        var found = string.IsNullOrEmpty(wanted)
            ? all.FirstOrDefault(static c => !JsonNodeValues.TryGetBoolean(c["can_read"], out var read) || read)
            : all.FirstOrDefault(c => c["id"]?.ToString() == wanted || c["title"]?.ToString() == wanted);
        return found?["id"]?.ToString()
            ?? throw new FeedFetchException($"{apiRoot}collections/: collection '{wanted}' not found (the server has: {string.Join(", ", all.Select(static c => $"{c["id"]} ({c["title"]})"))})");
    }

    private static JsonObject Json(string body, string url)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw new FeedFetchException($"{url}: the answer is not a JSON object");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new FeedFetchException($"{url}: the answer is not JSON ({ex.Message})", ex);
        }
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
