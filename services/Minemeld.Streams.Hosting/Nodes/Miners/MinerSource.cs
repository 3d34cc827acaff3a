using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// What a feed miner polls, whatever its class: a name for messages, and the poll itself (fetch and parse). List
/// miners have none (they read their list). Built once per node by <see cref="For"/>; disposed with the node.
/// </summary>
public sealed class MinerSource : IDisposable
{
    private readonly Func<FeedParseReport, CancellationToken, Task<IReadOnlyList<FeedItem>>> _collect;
    private readonly IDisposable[] _owned;
    private readonly Func<string> _name;

    private MinerSource(Func<string> name, Func<FeedParseReport, CancellationToken, Task<IReadOnlyList<FeedItem>>> collect, params IDisposable[] owned) =>
        (_name, _collect, _owned) = (name, collect, owned);

    /// <summary>Where the source reads from, for messages.</summary>
    public string Name => _name();

    public Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken) => _collect(report, cancellationToken);

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    /// <summary>The source of a feed miner node; null for a list miner.</summary>
    public static MinerSource? For(GraphNode node, string graph, MinerRunOptions options, ISourceCursor cursor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var config = node.Config;
        var directory = options.GraphDirectory;
        var side = new SideConfig(node.Name, config, directory);
        switch (node.Class.Name)
        {
            case NodeClassRegistry.HttpFT:
                return Document(new FeedFetcher(config, directory), new LineFeedParser(config).Parse);
            case NodeClassRegistry.AusCert:
                return Document(new FeedFetcher(config, directory, requestHeaders: Key(side, "api_key", "API-Key")), new LineFeedParser(config).Parse);
            case NodeClassRegistry.CsvFT:
                return Document(new FeedFetcher(config, directory), new CsvFeedParser(config).Parse);
            case NodeClassRegistry.SimpleJson:
                return Document(new FeedFetcher(config, directory), new JsonFeedParser(config).Parse);
            case NodeClassRegistry.O365Xml:
                return Document(new FeedFetcher(config, directory, O365XmlParser.DefaultUrl), new O365XmlParser(config).Parse);
            case NodeClassRegistry.AzureJson:
            {
                // MineMeld's cloud picks the download page of a sovereign cloud; a url (a mirror) wins over it.
                var cloud = JsonNodeValues.TryGetString(config["cloud"], out var c) ? c : "public";
                var fetcher = new FeedFetcher(config, directory, DownloadPageSource.AzureServiceTagPages[cloud]);
                return new(() => fetcher.Source, new DownloadPageSource(fetcher, "ServiceTags_", ".json", new AzureServiceTagsParser(config).Parse).CollectAsync, fetcher);
            }

            case NodeClassRegistry.AzureXml:
            {
                var fetcher = new FeedFetcher(config, directory, AzurePublicIpsXmlParser.DefaultUrl);
                return new(() => fetcher.Source, new DownloadPageSource(fetcher, "PublicIPs_", ".xml", new AzurePublicIpsXmlParser(config).Parse).CollectAsync, fetcher);
            }

            case NodeClassRegistry.O365Api:
            {
                var fetcher = new FeedFetcher(config, directory, O365ApiSource.DefaultUrl);
                return new(() => fetcher.Source, new O365ApiSource(config, graph, node.Name, fetcher, side).CollectAsync, fetcher);
            }

            case NodeClassRegistry.TaxiiClient:
            {
                var taxii = new TaxiiClientSource(config, node.Name, directory, side, cursor, time);
                return new(() => taxii.Source, taxii.CollectAsync, taxii);
            }

            case NodeClassRegistry.SyslogMiner:
            {
                if (options.Kafka is null || options.Topics is null)
                {
                    throw new InvalidOperationException($"{node.Name}: a syslog miner reads the graph's syslog topic; the runtime gives it the Kafka clients");
                }

                var syslog = new Syslog.SyslogMinerSource(node, options.Topics.Syslog(Syslog.SyslogSettings.Exchange(config)), options.Kafka, cursor, directory);
                return new(() => syslog.Source, syslog.CollectAsync, syslog);
            }

            case NodeClassRegistry.Taxii2Client:
            {
                var taxii2 = new Taxii2ClientSource(config, directory, new SideConfig(node.Name, config, directory, fileWins: true), cursor, time);
                return new(() => taxii2.Source, taxii2.CollectAsync, taxii2);
            }

            case NodeClassRegistry.RecordedFutureIp or NodeClassRegistry.RecordedFutureDomain or NodeClassRegistry.RecordedFutureMaster:
                return RecordedFuture(node, config, directory, side);
            case NodeClassRegistry.ProofpointIp or NodeClassRegistry.ProofpointDomain:
            {
                var file = node.Class.Name == NodeClassRegistry.ProofpointIp ? "detailed-iprepdata.txt" : "detailed-domainrepdata.txt";
                var fetcher = new FeedFetcher(WithUrl(config, "https://rules.emergingthreats.net/"), directory);
                return new(() => fetcher.Source, async (report, cancellationToken) =>
                {
                    var code = side.Get("auth_code") ?? throw new FeedFetchException($"no auth_code: set it in {side.FilePath}");
                    var categories = (side.GetNode("monitored_categories") as JsonArray ?? []).Select(static n => JsonNodeValues.TryGetInt64(n, out var v) ? v : -1).Where(static v => v > 0).ToHashSet();
                    if (categories.Count == 0)
                    {
                        throw new FeedFetchException($"no monitored_categories (a list of ET Intelligence category numbers) in {side.FilePath}");
                    }

                    var body = await fetcher.FetchAsync($"{Uri.EscapeDataString(code)}/reputation/{file}", cancellationToken, $"{fetcher.Source}<auth_code>/reputation/{file}").ConfigureAwait(false);
                    return [.. new EtIntelligenceParser(config, categories, node.Class.Name == NodeClassRegistry.ProofpointDomain).Parse(new StringReader(body), report)];
                }, fetcher);
            }

            case NodeClassRegistry.AutoFocusExport:
            {
                var fetcher = new FeedFetcher(WithUrl(config, "https://autofocus.paloaltonetworks.com/"), directory);
                return new(() => fetcher.Source, async (report, cancellationToken) =>
                {
                    var key = side.Get("api_key") ?? throw new FeedFetchException($"no api_key: set it in {side.FilePath}");
                    var label = side.Get("label") ?? throw new FeedFetchException($"no label (the export list's name): set it in {side.FilePath}");
                    var request = new JsonObject { ["apiKey"] = key, ["label"] = label, ["panosFormatted"] = true };
                    using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
                    var body = await fetcher.PostAsync("api/v1.0/export", content, null, cancellationToken).ConfigureAwait(false);
                    return [.. ExportParsers.AutoFocus(new StringReader(body), label, Defaults(config), report)];
                }, fetcher);
            }

            case NodeClassRegistry.VirusTotalNotifications:
            {
                var fetcher = new FeedFetcher(WithUrl(config, "https://www.virustotal.com/"), directory);
                return new(() => fetcher.Source, async (report, cancellationToken) =>
                {
                    var key = side.Get("api_key") ?? throw new FeedFetchException($"no api_key: set it in {side.FilePath}");
                    var body = await fetcher.FetchAsync($"intelligence/hunting/notifications-feed/?key={Uri.EscapeDataString(key)}", cancellationToken, $"{fetcher.Source}intelligence/hunting/notifications-feed/?key=<api_key>").ConfigureAwait(false);
                    return [.. ExportParsers.VirusTotalNotifications(new StringReader(body), Defaults(config), report)];
                }, fetcher);
            }

            case NodeClassRegistry.ThreatQExport:
            {
                // The export's URL (with its token) lives in the side config and may change: one fetcher per URL.
                var fetchers = new FetcherByUrl(config, directory);
                return new(() => fetchers.Current ?? side.FilePath, async (report, cancellationToken) =>
                {
                    var url = side.Get("url") ?? throw new FeedFetchException($"no url (the ThreatQ export's, with its token): set it in {side.FilePath}");
                    var verify = side.GetNode("verify_cert");
                    var body = await fetchers.For(url, verify).FetchAsync(cancellationToken).ConfigureAwait(false);
                    return [.. ExportParsers.ThreatQ(new StringReader(body), Defaults(config), report)];
                }, fetchers);
            }

            case NodeClassRegistry.JsonSeqMiner:
            {
                var url = JsonNodeValues.TryGetString(config["url"], out var u) ? u : throw new FeedFetchException("no url: the MineMeld feed to read");
                var fetcher = new FeedFetcher(WithUrl(config, url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "v=json-seq", force: true), directory, requestHeaders: () =>
                    side.Get("username") is { } user && side.Get("password") is { } password
                        ? new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))).ToString() }
                        : new Dictionary<string, string>(StringComparer.Ordinal));
                return Document(fetcher, (reader, report) => ExportParsers.JsonSequence(reader, Defaults(config), report));
            }

            case NodeClassRegistry.GoogleNetBlocks or NodeClassRegistry.GoogleCloudNetBlocks:
            {
                var (root, attribute) = node.Class.Name == NodeClassRegistry.GoogleNetBlocks
                    ? ("_spf.google.com", "google_netblock")
                    : ("_cloud-netblocks.googleusercontent.com", "google_cloudnetblock");
                var spf = new SpfNetBlocksSource(config, root, attribute);
                return new(() => $"dns {root} at {spf.Server}", spf.CollectAsync);
            }

            default:
                return null;
        }
    }

    /// <summary>A source that is one document: fetched, then parsed.</summary>
    private static MinerSource Document(FeedFetcher fetcher, Func<TextReader, FeedParseReport, IEnumerable<FeedItem>> parse) =>
        new(() => fetcher.Source, async (report, cancellationToken) => [.. parse(new StringReader(await fetcher.FetchAsync(cancellationToken).ConfigureAwait(false)), report)], fetcher);

    /// <summary>
    /// Recorded Future's risk lists: the entity's list (Connect API) or a Fusion file; the token from the side config.
    /// </summary>
    private static MinerSource RecordedFuture(GraphNode node, JsonObject config, string? directory, SideConfig side)
    {
        var fetcher = new FeedFetcher(WithUrl(config, "https://api.recordedfuture.com/"), directory, requestHeaders: () => new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-RFToken"] = side.Get("token") ?? throw new FeedFetchException($"no token: set the Recorded Future API token in {side.FilePath}"),
            ["X-RF-User-Agent"] = "Minemeld.Streams",
        });
        return new(() => fetcher.Source, async (report, cancellationToken) =>
        {
            var (entity, path) = node.Class.Name switch
            {
                NodeClassRegistry.RecordedFutureIp => ("ip", (string?)null),
                NodeClassRegistry.RecordedFutureDomain => ("domain", null),
                _ => (side.Get("entity") ?? throw new FeedFetchException($"no entity (ip, domain, url or hash): set it in {side.FilePath}"), side.Get("path")),
            };
            if (!RecordedFutureParser.Entities.ContainsKey(entity))
            {
                throw new FeedFetchException($"entity '{entity}' in {side.FilePath} is not ip, domain, url or hash");
            }

            string relative;
            if (node.Class.Name == NodeClassRegistry.RecordedFutureMaster && side.Get("api") == "fusion")
            {
                var file = path ?? $"/public/risklists/default_{entity}_risklist.csv";
                if (!file.Contains(entity, StringComparison.Ordinal))
                {
                    throw new FeedFetchException($"the Fusion path {file} is not a {entity} risk list (entity in {side.FilePath})");
                }

                relative = $"v2/fusion/files/?path={Uri.EscapeDataString(file)}&format=csv/splunk";
            }
            else
            {
                relative = $"v2/{entity}/risklist?format=csv/splunk{(path is null ? string.Empty : $"&list={Uri.EscapeDataString(path)}")}";
            }

            var body = await fetcher.FetchAsync(relative, cancellationToken).ConfigureAwait(false);
            return [.. new RecordedFutureParser(config, entity).Parse(new StringReader(body), report)];
        }, fetcher);
    }

    private static Func<IReadOnlyDictionary<string, string>> Key(SideConfig side, string key, string header) => () => side.Get(key) is { } value
        ? new Dictionary<string, string>(StringComparer.Ordinal) { [header] = value }
        : throw new FeedFetchException($"no API key: set {key} in the node's config or in {side.FilePath}");

    /// <summary>
    /// The config with the service's address as its url, unless the node names another (a mirror, a test server).
    /// </summary>
    private static JsonObject WithUrl(JsonObject config, string url, bool force = false)
    {
        var copy = (JsonObject)config.DeepClone();
        if (force || copy["url"] is null)
        {
            copy["url"] = url;
        }

        return copy;
    }

    private static JsonObject Defaults(JsonObject config) => config["attributes"] as JsonObject ?? [];

    /// <summary>A fetcher for whichever URL the side config names now, built again when it changes.</summary>
    private sealed class FetcherByUrl(JsonObject config, string? directory) : IDisposable
    {
        private FeedFetcher? _fetcher;
        private string? _key;

        public string? Current { get; private set; }

        public FeedFetcher For(string url, JsonNode? verifyCert)
        {
            var key = $"{url}|{verifyCert?.ToJsonString()}";
            if (_fetcher is null || key != _key)
            {
                _fetcher?.Dispose();
                var settings = WithUrl(config, url, force: true);
                if (verifyCert is not null)
                {
                    settings["verify_cert"] = verifyCert.DeepClone();
                }

                (_fetcher, _key) = (new FeedFetcher(settings, directory), key);
                Current = new Uri(url).GetLeftPart(UriPartial.Path); // the token stays out of messages
            }

            return _fetcher;
        }

        public void Dispose() => _fetcher?.Dispose();
    }
}
