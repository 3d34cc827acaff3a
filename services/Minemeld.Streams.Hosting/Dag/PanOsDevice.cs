using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Hosting.Dag;

/// <summary>
/// One PAN-OS device (a firewall, or a Panorama with <c>serial</c> naming the managed firewall) of a DAG pusher's
/// device list, and its XML API: <c>https://hostname[:port]/api/</c>, requests posted as forms (so that keys and
/// passwords stay out of URLs and logs), an API key given or made once with <c>type=keygen</c> from
/// <c>api_username</c>/<c>api_password</c> (and again when the device says the key is no longer valid).
/// The device's certificate is verified unless the entry says <c>verify_cert: false</c>; <c>ca_file</c> names a PEM
/// CA to trust for it (firewalls usually carry a certificate of the company's own CA).
/// </summary>
public sealed class PanOsDevice : IDisposable
{
    /// <summary>User-ID answers that mean "already so": MineMeld ignored them and so do we.</summary>
    private static readonly string[] Harmless = ["already exists, ignore", "does not exist, ignore unreg", "Failed to register"];
    private static readonly XmlReaderSettings SafeXml = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    private readonly HttpClient _client;
    private readonly Uri _api;
    private readonly string? _user;
    private readonly string? _password;
    private readonly string? _vsys;
    private readonly string? _serial;
    private string? _key;

    private PanOsDevice(string name, HttpClient client, Uri api, string? key, string? user, string? password, string? vsys, string? serial)
    {
        (Name, _client, _api, _key, _user, _password, _vsys, _serial) = (name, client, api, key, user, password, vsys, serial);
    }

    /// <summary>The device as the list names it (<c>hostname</c>, with <c>/serial</c> through a Panorama).</summary>
    public string Name { get; }

    /// <summary>A device from one entry of the device list; throws with what is wrong with the entry.</summary>
    public static PanOsDevice FromEntry(JsonObject entry, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!JsonNodeValues.TryGetString(entry["hostname"], out var host) || host.Length == 0)
        {
            throw new FormatException("an entry without hostname");
        }

        var key = Text(entry, "api_key");
        var user = Text(entry, "api_username");
        var password = Text(entry, "api_password");
        if (key is null && (user is null || password is null))
        {
            throw new FormatException($"{host}: neither api_key nor api_username and api_password");
        }

        var port = JsonNodeValues.TryGetInt64(entry["port"], out var p) ? (int)p : 443;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        if (JsonNodeValues.TryGetBoolean(entry["verify_cert"], out var verify) && !verify)
        {
            // The operator turned verification off for this device (a lab firewall with its factory certificate).
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (Text(entry, "ca_file") is { } ca)
        {
            Nodes.Miners.TlsTrust.TrustOnly(handler, Path.GetFullPath(ca, baseDirectory ?? Directory.GetCurrentDirectory()));
        }

        var timeout = JsonNodeValues.TryGetDouble(entry["timeout"], out var seconds) ? seconds : 30;
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(timeout) };
        var serial = Text(entry, "serial");
        var authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return new PanOsDevice(serial is null ? host : $"{host}/{serial}", client, new Uri($"https://{authority}:{port}/api/"), key, user, password, Text(entry, "vsys"), serial);
    }

    /// <summary>The device's PAN-OS version (<c>type=version</c>).</summary>
    public async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        var result = await CallAsync([new("type", "version")], userId: false, cancellationToken).ConfigureAwait(false);
        return result.Element("sw-version")?.Value.Trim() ?? throw new PanOsException($"{Name}: the version answer has no sw-version");
    }

    /// <summary>An operational command (<c>type=op</c>); returns the answer's <c>result</c> element.</summary>
    public Task<XElement> OpAsync(XElement command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return CallAsync([new("type", "op"), new("cmd", command.ToString(SaveOptions.DisableFormatting))], userId: false, cancellationToken);
    }

    /// <summary>
    /// A User-ID message (<c>type=user-id</c>); answers that the change is already there are not errors.
    /// </summary>
    public Task UserIdAsync(XElement message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return CallAsync([new("type", "user-id"), new("cmd", message.ToString(SaveOptions.DisableFormatting))], userId: true, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    private async Task<XElement> CallAsync(List<KeyValuePair<string, string>> fields, bool userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var key = _key ?? await KeygenAsync(cancellationToken).ConfigureAwait(false);
            var form = new List<KeyValuePair<string, string>>(fields) { new("key", key) };
            if (_vsys is not null && fields[0].Value is "op" or "user-id")
            {
                form.Add(new("vsys", _vsys));
            }

            if (_serial is not null)
            {
                form.Add(new("target", _serial));
            }

            try
            {
                return await PostAsync(form, fields[0].Value, userId, cancellationToken).ConfigureAwait(false);
            }
            catch (PanOsException ex) when (ex.InvalidKey && attempt == 0 && _user is not null)
            {
                _key = null; // a key made from credentials that the device no longer takes: make a new one, once
            }
        }
    }

    private async Task<string> KeygenAsync(CancellationToken cancellationToken)
    {
        var result = await PostAsync([new("type", "keygen"), new("user", _user!), new("password", _password!)], "keygen", userId: false, cancellationToken).ConfigureAwait(false);
        return _key = result.Element("key")?.Value.Trim() is { Length: > 0 } key ? key : throw new PanOsException($"{Name}: keygen answered no key");
    }

    private async Task<XElement> PostAsync(List<KeyValuePair<string, string>> form, string what, bool userId, CancellationToken cancellationToken)
    {
        string text;
        HttpStatusCode status;
        try
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await _client.PostAsync(_api, content, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new PanOsException($"{Name}: {what} request failed: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PanOsException($"{Name}: {what} request timed out after {_client.Timeout.TotalSeconds} s", ex);
        }

        XElement root;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), SafeXml);
            root = XElement.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new PanOsException($"{Name}: {what} answered HTTP {(int)status} that is not XML ({ex.Message})", ex);
        }

        var message = string.Join(" ", root.Descendants("line").Select(static l => l.Value.Trim()).Concat(root.Descendants("msg").Where(static m => !m.HasElements).Select(static m => m.Value.Trim())));
        if ((string?)root.Attribute("status") == "success")
        {
            return root.Element("result") ?? new XElement("result");
        }

        if (userId && Harmless.Any(h => message.Contains(h, StringComparison.Ordinal)))
        {
            return root.Element("result") ?? new XElement("result");
        }

        var code = (string?)root.Attribute("code");
        var invalidKey = status == HttpStatusCode.Forbidden || code == "403" || message.Contains("Invalid credential", StringComparison.OrdinalIgnoreCase);
        throw new PanOsException(
            string.Create(CultureInfo.InvariantCulture, $"{Name}: {what} refused (HTTP {(int)status}{(code is null ? string.Empty : $", code {code}")}): {(message.Length == 0 ? "no message" : message)}"),
            invalidKey: invalidKey);
    }

    private static string? Text(JsonObject entry, string key) => JsonNodeValues.TryGetString(entry[key], out var value) && value.Length > 0 ? value : null;
}

/// <summary>
/// A PAN-OS device refused a call or could not be reached; the message names the device and what it said.
/// </summary>
public sealed class PanOsException : Exception
{
    public PanOsException()
    {
    }

    public PanOsException(string message)
        : base(message)
    {
    }

    public PanOsException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PanOsException(string message, bool invalidKey)
        : base(message) => InvalidKey = invalidKey;

    /// <summary>The device refused the key (it was revoked, or the admin's password changed).</summary>
    public bool InvalidKey { get; }
}
