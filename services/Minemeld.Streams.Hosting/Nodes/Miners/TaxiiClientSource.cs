using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// MineMeld's <c>taxii.TaxiiClient</c>: polls a TAXII 1.1 data feed collection (HTTP binding, XML messages) and reads
/// the STIX 1.x packages it returns (<see cref="Stix1Parser"/>). Each poll discovers the collection management service
/// from <c>discovery_service</c>, checks that <c>collection</c> is a data feed with a TAXII 1.1 polling service, and
/// polls it from where the last saved poll ended (at most <c>initial_interval</c> back, one day by default) to now,
/// in windows of <c>max_poll_dt</c> (a day); a response with <c>more</c> is read to its last part (poll fulfillment).
/// <para>
/// Where the next poll starts is the <c>Inclusive_End_Timestamp</c> the server answered for the last window (else the
/// window's end), saved with the table the poll filled (<see cref="ISourceCursor"/>): a poll that fails, or whose
/// table is not saved, is read again from the same point. MineMeld went on from the newest STIX package timestamp
/// instead, which a server's own timestamp labels need not follow.
/// </para>
/// <para>
/// Credentials: <c>username</c>/<c>password</c> (basic), from the node's config or its side config, read again at
/// every poll; required unless <c>client_credentials_required</c> is false. A client certificate (<c>cert_file</c>,
/// <c>key_file</c>, PEM; with <c>client_cert_required</c> they default to <c>&lt;node&gt;.crt</c> and
/// <c>&lt;node&gt;.pem</c> beside the graph) and a CA to trust (<c>ca_file</c>, default <c>&lt;node&gt;-ca.crt</c>
/// when it exists). With <c>subscription_id_required</c>, the side config's <c>subscription_id</c> is sent instead of
/// poll parameters (DHS AIS).
/// </para>
/// </summary>
public sealed class TaxiiClientSource : IDisposable
{
    public const string Namespace = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";
    public const string MessageBinding = "urn:taxii.mitre.org:message:xml:1.1";
    public const string ServicesVersion = "urn:taxii.mitre.org:services:1.1";
    public const string CollectionManagement = "COLLECTION_MANAGEMENT";
    public const string DataFeed = "DATA_FEED";

    private static readonly XNamespace Taxii = Namespace;
    private static readonly string[] FileKeys = ["client_cert", "client_key", "verify_cert"];
    private static readonly XmlReaderSettings SafeXml = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    private readonly JsonObject _config;
    private readonly string _nodeName;
    private readonly string? _graphDirectory;
    private readonly SideConfig _side;
    private readonly ISourceCursor _cursor;
    private readonly TimeProvider _time;
    private readonly Stix1Parser _stix;
    private readonly string _discovery;
    private readonly string _collection;
    private readonly bool _credentialsRequired;
    private readonly bool _subscriptionRequired;
    private readonly long _initialSeconds;
    private readonly long _windowSeconds;
    private readonly bool _minutePrecision;
    private readonly Dictionary<string, string> _headers;
    private FeedFetcher? _fetcher;
    private string? _fetcherKey;

    public TaxiiClientSource(JsonObject config, string nodeName, string? graphDirectory, SideConfig side, ISourceCursor cursor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        (_config, _nodeName, _graphDirectory, _side, _cursor, _time) = (config, nodeName, graphDirectory, side, cursor, time);
        _stix = new Stix1Parser(config, nodeName);
        _discovery = JsonNodeValues.TryGetString(config["discovery_service"], out var discovery) ? discovery : throw new FeedFetchException("no discovery_service configured");
        _collection = JsonNodeValues.TryGetString(config["collection"], out var collection) ? collection : throw new FeedFetchException("no collection configured");
        var hasCredentials = config["username"] is not null || config["password"] is not null;
        _credentialsRequired = !hasCredentials && (!JsonNodeValues.TryGetBoolean(config["client_credentials_required"], out var required) || required);
        _subscriptionRequired = JsonNodeValues.TryGetBoolean(config["subscription_id_required"], out var subscription) && subscription;
        _initialSeconds = Duration.SecondsOr(config["initial_interval"], 86_400);
        _windowSeconds = Duration.SecondsOr(config["max_poll_dt"], 86_400);
        _minutePrecision = JsonNodeValues.TryGetBoolean(config["lower_timestamp_precision"], out var lower) && lower;
        _headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-TAXII-Content-Type"] = MessageBinding,
            ["X-TAXII-Accept"] = MessageBinding,
            ["X-TAXII-Services"] = ServicesVersion,
            ["X-TAXII-Protocol"] = _discovery.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
                ? "urn:taxii.mitre.org:protocol:https:1.0"
                : "urn:taxii.mitre.org:protocol:http:1.0",
            ["Accept"] = "application/xml",
        };
    }

    /// <summary>The discovery service, for messages.</summary>
    public string Source => _discovery;

    public void Dispose() => _fetcher?.Dispose();

    /// <summary>
    /// The fetcher for this poll, built again when the certificate files changed (an operator puts them in place
    /// without a restart, as MineMeld read them at every poll).
    /// </summary>
    private FeedFetcher Fetcher()
    {
        var config = FetcherConfig(_config, _nodeName, _graphDirectory);
        var key = string.Join('|', FileKeys.Select(k => JsonNodeValues.TryGetString(config[k], out var path) && File.Exists(path)
            ? $"{path}@{File.GetLastWriteTimeUtc(path).Ticks}"
            : config[k]?.ToJsonString() ?? "-"));
        if (_fetcher is null || key != _fetcherKey)
        {
            _fetcher?.Dispose();
            (_fetcher, _fetcherKey) = (new FeedFetcher(config, _graphDirectory), key);
        }

        return _fetcher;
    }

    /// <summary>
    /// What <see cref="FeedFetcher"/> is built from: the node's config with <c>discovery_service</c> as its url and
    /// MineMeld's certificate keys as the fetcher's. Credentials are sent by the source (they may change between
    /// polls).
    /// </summary>
    /// <exception cref="FeedFetchException">A client certificate is required and its files are not there.</exception>
    public static JsonObject FetcherConfig(JsonObject config, string nodeName, string? graphDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var fetch = (JsonObject)config.DeepClone();
        fetch["url"] = config["discovery_service"]?.DeepClone();
        fetch.Remove("username");
        fetch.Remove("password");
        var directory = graphDirectory ?? Directory.GetCurrentDirectory();
        var certRequired = JsonNodeValues.TryGetBoolean(config["client_cert_required"], out var c) && c;
        var cert = JsonNodeValues.TryGetString(config["cert_file"], out var certFile) ? certFile : certRequired ? $"{nodeName}.crt" : null;
        var key = JsonNodeValues.TryGetString(config["key_file"], out var keyFile) ? keyFile : certRequired ? $"{nodeName}.pem" : null;
        if (cert is not null)
        {
            var certPath = Path.GetFullPath(cert, directory);
            var keyPath = key is null ? null : Path.GetFullPath(key, directory);
            if (!File.Exists(certPath) || (keyPath is not null && !File.Exists(keyPath)))
            {
                throw new FeedFetchException($"client certificate required and not found: {certPath}{(keyPath is null ? string.Empty : $" and {keyPath}")}");
            }

            fetch["client_cert"] = certPath;
            fetch["client_key"] = keyPath;
        }

        var ca = Path.GetFullPath(JsonNodeValues.TryGetString(config["ca_file"], out var caFile) ? caFile : $"{nodeName}-ca.crt", directory);
        if (File.Exists(ca) && config["verify_cert"] is null)
        {
            fetch["verify_cert"] = ca;
        }

        return fetch;
    }

    /// <summary>One poll: discovery, collection check, then the windows from the saved cursor to now.</summary>
    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var authorization = Authorization();
        var subscription = _subscriptionRequired
            ? _side.Get("subscription_id") ?? throw new FeedFetchException($"subscription_id_required is set and no subscription_id was found in {_side.FilePath}")
            : null;

        var fetcher = Fetcher();
        var management = await DiscoverAsync(fetcher, authorization, cancellationToken).ConfigureAwait(false);
        var poll = await PollServiceAsync(fetcher, management, authorization, cancellationToken).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var oldest = now.AddSeconds(-_initialSeconds);
        var begin = _cursor.Current is { } saved && DateTimeOffset.TryParse(saved, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from) && from > oldest
            ? from
            : oldest;
        var end = now;
        if (_minutePrecision)
        {
            (begin, end) = (Minute(begin), Minute(end));
        }

        var items = new List<FeedItem>();
        var (next, covered) = (begin, begin);
        while (next < end)
        {
            var windowEnd = next.AddSeconds(_windowSeconds) < end ? next.AddSeconds(_windowSeconds) : end;
            var collection = _stix.NewCollection();
            var answeredEnd = await PollWindowAsync(fetcher, poll, next, windowEnd, subscription, authorization, collection, report, cancellationToken).ConfigureAwait(false);
            items.AddRange(collection.Items(report));
            // The server's own end, when it says one within the window: what it labels later is asked for again.
            covered = answeredEnd is { } label && label > next && label <= windowEnd ? label : windowEnd;
            next = windowEnd;
        }

        _cursor.Advance(covered.ToString("O", CultureInfo.InvariantCulture));
        return items;
    }

    private string? Authorization()
    {
        var user = _side.Get("username");
        var password = _side.Get("password");
        if (user is not null && password is not null)
        {
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        }

        return _credentialsRequired
            ? throw new FeedFetchException($"username and password are required (client_credentials_required) and not set: put them in the node's config or in {_side.FilePath}")
            : null;
    }

    private async Task<string> DiscoverAsync(FeedFetcher fetcher, string? authorization, CancellationToken cancellationToken)
    {
        var (response, _) = await CallAsync(fetcher, _discovery, new XElement(Taxii + "Discovery_Request"), "Discovery_Response", authorization, cancellationToken).ConfigureAwait(false);
        var management = response.Elements(Taxii + "Service_Instance")
            .Where(static s => (string?)s.Attribute("service_type") == CollectionManagement && (string?)s.Attribute("available") != "false")
            .Select(static s => s.Element(Taxii + "Address")?.Value.Trim())
            .FirstOrDefault(static a => !string.IsNullOrEmpty(a));
        return management ?? throw new FeedFetchException($"{_discovery}: the discovery service lists no collection management service");
    }

    private async Task<string> PollServiceAsync(FeedFetcher fetcher, string management, string? authorization, CancellationToken cancellationToken)
    {
        var (response, _) = await CallAsync(fetcher, management, new XElement(Taxii + "Collection_Information_Request"), "Collection_Information_Response", authorization, cancellationToken).ConfigureAwait(false);
        var collection = response.Elements(Taxii + "Collection").FirstOrDefault(c => (string?)c.Attribute("collection_name") == _collection);
        if (collection is null)
        {
            var names = string.Join(", ", response.Elements(Taxii + "Collection").Select(static c => (string?)c.Attribute("collection_name")));
            throw new FeedFetchException($"{management}: collection '{_collection}' not found (the server has: {(names.Length == 0 ? "none" : names)})");
        }

        var type = (string?)collection.Attribute("collection_type") ?? DataFeed;
        if (type != DataFeed)
        {
            throw new FeedFetchException($"{management}: collection '{_collection}' is a {type}, not a {DataFeed}");
        }

        var services = collection.Elements(Taxii + "Polling_Service").ToList();
        if (services.Count == 0)
        {
            throw new FeedFetchException($"{management}: collection '{_collection}' cannot be polled (no polling service)");
        }

        return services
            .Where(static s => s.Elements(Taxii + "Message_Binding").Any(static b => b.Value.Trim() == MessageBinding))
            .Select(static s => s.Element(Taxii + "Address")?.Value.Trim())
            .FirstOrDefault(static a => !string.IsNullOrEmpty(a))
            ?? throw new FeedFetchException($"{management}: collection '{_collection}' has no polling service with the TAXII 1.1 XML message binding");
    }

    /// <summary>
    /// Polls one window to its last part; returns the end the server said the answer covers, if it said.
    /// </summary>
    private async Task<DateTimeOffset?> PollWindowAsync(
        FeedFetcher fetcher, string poll, DateTimeOffset begin, DateTimeOffset end, string? subscription, string? authorization,
        Stix1Packages collection, FeedParseReport report, CancellationToken cancellationToken)
    {
        var request = new XElement(
            Taxii + "Poll_Request",
            new XAttribute("collection_name", _collection),
            new XElement(Taxii + "Exclusive_Begin_Timestamp", Stamp(begin)),
            new XElement(Taxii + "Inclusive_End_Timestamp", Stamp(end)),
            subscription is not null
                ? new XElement(Taxii + "Subscription_ID", subscription)
                : new XElement(Taxii + "Poll_Parameters", new XAttribute("allow_asynch", "false"), new XElement(Taxii + "Response_Type", "FULL")));
        var (response, status) = await CallAsync(fetcher, poll, request, "Poll_Response", authorization, cancellationToken).ConfigureAwait(false);
        if (status)
        {
            return null; // a SUCCESS status instead of a poll response: nothing in the window
        }

        var answeredEnd = ParseStamp(response.Element(Taxii + "Inclusive_End_Timestamp")?.Value);
        Read(response, collection, report);
        var parts = 1;
        while ((string?)response.Attribute("more") is "true" or "1")
        {
            var resultId = (string?)response.Attribute("result_id")
                ?? throw new FeedFetchException($"{poll}: a poll response says more parts follow but has no result_id");
            var part = int.TryParse((string?)response.Attribute("result_part_number"), CultureInfo.InvariantCulture, out var number) ? number : parts;
            var fulfillment = new XElement(
                Taxii + "Poll_Fulfillment",
                new XAttribute("collection_name", _collection),
                new XAttribute("result_id", resultId),
                new XAttribute("result_part_number", part + 1));
            (response, status) = await CallAsync(fetcher, poll, fulfillment, "Poll_Response", authorization, cancellationToken).ConfigureAwait(false);
            if (status)
            {
                break;
            }

            if (++parts > 10_000)
            {
                throw new FeedFetchException($"{poll}: more than 10,000 parts for one window; lower max_poll_dt");
            }

            Read(response, collection, report);
        }

        return answeredEnd;
    }

    private static void Read(XElement response, Stix1Packages collection, FeedParseReport report)
    {
        foreach (var block in response.Elements(Taxii + "Content_Block"))
        {
            var binding = (string?)block.Element(Taxii + "Content_Binding")?.Attribute("binding_id") ?? "(none)";
            if (!binding.StartsWith("urn:stix.mitre.org:xml:1.", StringComparison.Ordinal))
            {
                report.Error(0, $"a content block with binding {binding} is not STIX 1.x, skipped");
                continue;
            }

            var content = block.Element(Taxii + "Content");
            var package = content?.Elements().FirstOrDefault(static e => e.Name.LocalName == "STIX_Package") ?? EmbeddedPackage(content, report);
            if (package is not null)
            {
                collection.AddPackage(package, report);
            }
        }
    }

    /// <summary>A package sent as escaped text inside <c>Content</c> rather than as XML (some servers do).</summary>
    private static XElement? EmbeddedPackage(XElement? content, FeedParseReport report)
    {
        var text = content?.Value.Trim();
        if (string.IsNullOrEmpty(text))
        {
            report.Error(0, "a content block without a STIX package, skipped");
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(text), SafeXml);
            var root = XElement.Load(reader);
            return root.Name.LocalName == "STIX_Package" ? root : null;
        }
        catch (XmlException ex)
        {
            report.Error(ex.LineNumber, $"a content block that is not a STIX package: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// Sends one TAXII message and returns the answer's root when it is <paramref name="expected"/>, or with
    /// <c>Status</c> true when it is a SUCCESS status message. Any other status fails the poll with its type and text.
    /// </summary>
    private async Task<(XElement Response, bool Status)> CallAsync(FeedFetcher fetcher, string url, XElement message, string expected, string? authorization, CancellationToken cancellationToken)
    {
        var id = MessageId();
        message.SetAttributeValue("message_id", id);
        var body = new StringContent(message.ToString(SaveOptions.DisableFormatting), Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        var headers = authorization is null ? _headers : new Dictionary<string, string>(_headers, StringComparer.Ordinal) { ["Authorization"] = authorization };
        var text = await fetcher.PostAsync(url, body, headers, cancellationToken).ConfigureAwait(false);
        XElement root;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), SafeXml);
            root = XElement.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new FeedFetchException($"{url}: the answer to {message.Name.LocalName} is not XML (line {ex.LineNumber}: {ex.Message})", ex);
        }

        if (root.Name.Namespace != Taxii)
        {
            throw new FeedFetchException($"{url}: the answer is not a TAXII 1.1 message ({root.Name})");
        }

        if ((string?)root.Attribute("in_response_to") is { } answered && answered != id)
        {
            throw new FeedFetchException($"{url}: the answer is to message {answered}, not to {id}");
        }

        if (root.Name.LocalName == "Status_Message")
        {
            var status = (string?)root.Attribute("status_type") ?? "(no status)";
            if (status == "SUCCESS")
            {
                return (root, true);
            }

            var said = root.Element(Taxii + "Message")?.Value.Trim();
            throw new FeedFetchException($"{url}: {message.Name.LocalName} answered {status}{(string.IsNullOrEmpty(said) ? string.Empty : $": {said}")}");
        }

        return root.Name.LocalName == expected
            ? (root, false)
            : throw new FeedFetchException($"{url}: {message.Name.LocalName} answered {root.Name.LocalName}, not {expected}");
    }

    private static string MessageId() => RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseStamp(string? text) =>
        text is not null && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp) ? stamp : null;

    private static DateTimeOffset Minute(DateTimeOffset time) => new(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, TimeSpan.Zero);
}
