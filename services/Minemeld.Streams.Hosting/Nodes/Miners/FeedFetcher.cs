using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// Fetches a miner's document. <c>http(s)</c> with the options operators asked MineMeld for, generic to every miner
/// (docs/minemeld-compatibility.md, "Node classes"): basic auth (<c>username</c>/<c>password</c>), <c>bearer_token</c>,
/// arbitrary <c>headers</c>, a client certificate (<c>client_cert</c>/<c>client_key</c>, PEM), <c>proxy</c>,
/// <c>verify_cert</c>, <c>user_agent</c>, <c>polling_timeout</c> (seconds); and <c>file:</c> URLs for offline feeds,
/// relative to the graph file's directory. Every response is bounded by <c>max_response_bytes</c> (default 64 MiB): a
/// larger or endless one fails the attempt instead of filling memory.
/// </summary>
public sealed class FeedFetcher : IDisposable
{
    public const long DefaultMaxResponseBytes = 64L * 1024 * 1024;

    private readonly Uri? _url;
    private readonly string? _filePath;
    private readonly HttpClient? _client;
    private readonly long _maxBytes;
    private readonly Encoding _encoding;
    private readonly Func<IReadOnlyDictionary<string, string>>? _requestHeaders;

    /// <param name="config">The node's config: <c>url</c> and the fetch options.</param>
    /// <param name="graphDirectory">Where a relative <c>file:</c> path is resolved.</param>
    /// <param name="defaultUrl">The class's source when the config names none.</param>
    /// <param name="requestHeaders">
    /// Headers read again for every request (a key an operator may change meanwhile).
    /// </param>
    public FeedFetcher(JsonObject config, string? graphDirectory, string? defaultUrl = null, Func<IReadOnlyDictionary<string, string>>? requestHeaders = null)
    {
        _requestHeaders = requestHeaders;
        ArgumentNullException.ThrowIfNull(config);
        var url = JsonNodeValues.TryGetString(config["url"], out var u) ? u : defaultUrl ?? throw new FeedFetchException("no url configured");
        _maxBytes = JsonNodeValues.TryGetInt64(config["max_response_bytes"], out var max) ? max : DefaultMaxResponseBytes;
        _encoding = JsonNodeValues.TryGetString(config["encoding"], out var encoding) ? Encoding.GetEncoding(encoding) : new UTF8Encoding(false);
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var path = url["file:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = new Uri(url).LocalPath;
            }

            _filePath = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(graphDirectory ?? Directory.GetCurrentDirectory(), path));
            return;
        }

        _url = new Uri(url);
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        if (JsonNodeValues.TryGetString(config["proxy"], out var proxy))
        {
            handler.Proxy = new WebProxy(proxy);
            handler.UseProxy = true;
        }

        if (JsonNodeValues.TryGetBoolean(config["verify_cert"], out var verify) && !verify)
        {
            // The operator turned verification off for this feed (MineMeld's verify_cert: false); said in the README.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (JsonNodeValues.TryGetString(config["verify_cert"], out var caBundle))
        {
            // A CA bundle (PEM) to trust for this feed instead of the system store.
            TlsTrust.TrustOnly(handler, caBundle);
        }

        if (JsonNodeValues.TryGetString(config["client_cert"], out var certPath))
        {
            var keyPath = JsonNodeValues.TryGetString(config["client_key"], out var k) ? k : null;
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certPath, keyPath)];
        }

        var timeout = JsonNodeValues.TryGetDouble(config["polling_timeout"], out var seconds) ? seconds : 20;
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(timeout) };
        var agent = JsonNodeValues.TryGetString(config["user_agent"], out var ua) ? ua : "MineMeld";
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(agent == "MineMeld" ? "MineMeld/0.9.70 Minemeld.Streams" : agent);
        if (JsonNodeValues.TryGetString(config["username"], out var user) && JsonNodeValues.TryGetString(config["password"], out var password))
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        if (JsonNodeValues.TryGetString(config["bearer_token"], out var token))
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (config["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                _client.DefaultRequestHeaders.TryAddWithoutValidation(name, value?.ToString());
            }
        }
    }

    /// <summary>Where this fetcher reads from (for logs and status).</summary>
    public string Source => _filePath ?? _url!.ToString();

    /// <summary>Fetches the whole document, bounded by the size cap.</summary>
    public async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        if (_filePath is not null)
        {
            try
            {
                var info = new FileInfo(_filePath);
                if (!info.Exists)
                {
                    throw new FeedFetchException($"{_filePath} does not exist");
                }

                if (info.Length > _maxBytes)
                {
                    throw new FeedFetchException($"{_filePath} is {info.Length} bytes, more than max_response_bytes ({_maxBytes})");
                }

                return await File.ReadAllTextAsync(_filePath, _encoding, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new FeedFetchException($"cannot read {_filePath}: {ex.Message}", ex);
            }
        }

        return await FetchHttpAsync(_url!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fetches another document of the same source, <paramref name="relative"/> resolved against the configured
    /// <c>url</c> (a web service's other calls), with the same client, headers and size cap. HTTP(S) sources only.
    /// </summary>
    /// <param name="relative">The document, relative to the configured <c>url</c>.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <param name="shownAs">
    /// How messages name the request when its URL carries a secret (a key in the query or path).
    /// </param>
    public Task<string> FetchAsync(string relative, CancellationToken cancellationToken, string? shownAs = null)
    {
        ArgumentNullException.ThrowIfNull(relative);
        return _url is null
            ? throw new FeedFetchException($"{_filePath}: this class reads a web service; give it an http(s) url")
            : SendAsync(HttpMethod.Get, new Uri(_url, relative), null, null, cancellationToken, shownAs);
    }

    /// <summary>
    /// Posts <paramref name="body"/> to <paramref name="url"/> (absolute, or relative to the configured <c>url</c>)
    /// with the same client, credentials and size cap, and returns the answer (a web service that takes requests, such
    /// as TAXII 1.1 or the PAN-OS XML API). <paramref name="headers"/> are added to this request only.
    /// </summary>
    public Task<string> PostAsync(string url, HttpContent body, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (_url is null)
        {
            throw new FeedFetchException($"{_filePath}: this class talks to a web service; give it an http(s) url");
        }

        return SendAsync(HttpMethod.Post, new Uri(_url, url), body, headers, cancellationToken);
    }

    private Task<string> FetchHttpAsync(Uri url, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, url, null, null, cancellationToken);

    /// <summary>
    /// Gets <paramref name="url"/> (absolute, or relative to the configured <c>url</c>) with extra request headers, and
    /// returns the body with the response's headers (a web service that pages with them, such as TAXII 2.1).
    /// </summary>
    public Task<FetchedDocument> GetDocumentAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        return _url is null
            ? throw new FeedFetchException($"{_filePath}: this class talks to a web service; give it an http(s) url")
            : SendForDocumentAsync(HttpMethod.Get, new Uri(_url, url), null, headers, null, cancellationToken);
    }

    private async Task<string> SendAsync(HttpMethod method, Uri url, HttpContent? content, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken, string? shownAs = null) =>
        (await SendForDocumentAsync(method, url, content, headers, shownAs, cancellationToken).ConfigureAwait(false)).Body;

    private async Task<FetchedDocument> SendForDocumentAsync(HttpMethod method, Uri url, HttpContent? content, IReadOnlyDictionary<string, string>? headers, string? shownAs, CancellationToken cancellationToken)
    {
        var shown = shownAs ?? url.ToString();
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            foreach (var (name, value) in _requestHeaders?.Invoke() ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _client!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized && _requestHeaders is not null
                    ? " (is the API key right?)"
                    : response.StatusCode is HttpStatusCode.Unauthorized ? " (are the credentials right?)" : string.Empty;
                throw new FeedFetchException($"{method} {shown} answered {(int)response.StatusCode} {response.ReasonPhrase}{hint}", (int)response.StatusCode);
            }

            if (response.Content.Headers.ContentLength > _maxBytes)
            {
                throw new FeedFetchException($"{method} {shown}: {response.Content.Headers.ContentLength} bytes announced, more than max_response_bytes ({_maxBytes})");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _maxBytes)
                {
                    throw new FeedFetchException($"{method} {shown}: more than max_response_bytes ({_maxBytes}) received, the response was cut off");
                }

                buffer.Write(chunk, 0, read);
            }

            var charset = response.Content.Headers.ContentType?.CharSet;
            var encoding = charset is null ? _encoding : TryEncoding(charset) ?? _encoding;
            var answered = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(static h => h.Key, static h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            return new FetchedDocument(encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), answered);
        }
        catch (HttpRequestException ex)
        {
            throw new FeedFetchException($"{method} {shown} failed: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FeedFetchException($"{method} {shown} timed out after {_client!.Timeout.TotalSeconds} s", ex);
        }
    }

    public void Dispose() => _client?.Dispose();

    private static Encoding? TryEncoding(string charset)
    {
        try
        {
            return Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// A document as a web service answered it: the body, and the response's headers (names ignore case).
/// </summary>
public sealed record FetchedDocument(string Body, IReadOnlyDictionary<string, string> Headers);
