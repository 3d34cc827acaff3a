using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// A PAN-OS device's XML API on loopback, over HTTPS with a certificate of its own (the test trusts it through
/// <see cref="CaFile"/>), answering the calls the DAG pushers make as a firewall does: <c>type=keygen</c>,
/// <c>type=version</c>, <c>type=op</c> with <c>show object registered-ip</c> (by tag, by address, or every address in
/// pages of <c>start-point</c>/<c>limit</c>), and <c>type=user-id</c> messages that register tags (persistent or not,
/// with a member <c>timeout</c>) and unregister them. An unregistration of a tag an address does not have answers
/// the firewall's "does not exist, ignore unreg" error; a restart (<see cref="Restart"/>) loses every registration
/// that was not persistent.
/// </summary>
public sealed class PanOsServer : IAsyncDisposable
{
    public const string User = "mm-pusher";
    public const string Password = "s3cret-pw";
    private const string ApiKey = "LUFRPT1key==";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, bool>> _registered = new(StringComparer.Ordinal);
    private readonly string _directory = Directory.CreateTempSubdirectory("panos-").FullName;
    private WebApplication? _app;

    /// <summary>The PEM file of the device's certificate, for the device list's <c>ca_file</c>.</summary>
    public string CaFile => Path.Combine(_directory, "device-ca.pem");

    public int Port { get; private set; }

    public string Version { get; set; } = "10.2.4";

    /// <summary>User-ID messages received, as their operation (register or unregister) and entry count.</summary>
    public ConcurrentQueue<(string Operation, int Entries)> UserIdMessages { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When true, every call is refused with an error (a device under maintenance).</summary>
    public bool Down { get; set; }

    public static async Task<PanOsServer> StartAsync()
    {
        var server = new PanOsServer();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=pa-fw01.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
        await File.WriteAllTextAsync(server.CaFile, made.ExportCertificatePem());

        (server._app, var url) = await LoopbackWebApp.StartAsync(server.ServeAsync, certificate);
        server.Port = new Uri(url).Port;
        return server;
    }

    /// <summary>Registers tags as another administrator or integration would (not through the API).</summary>
    public void Register(string ip, bool persistent, params string[] tags)
    {
        lock (_gate)
        {
            if (!_registered.TryGetValue(ip, out var held))
            {
                _registered[ip] = held = new Dictionary<string, bool>(StringComparer.Ordinal);
            }

            foreach (var tag in tags)
            {
                held[tag] = persistent;
            }
        }
    }

    /// <summary>Every registered address with its tags, sorted.</summary>
    public SortedDictionary<string, string> Registered()
    {
        lock (_gate)
        {
            return new SortedDictionary<string, string>(
                _registered.Where(static r => r.Value.Count > 0).ToDictionary(static r => r.Key, static r => string.Join(' ', r.Value.Keys.Order(StringComparer.Ordinal))),
                StringComparer.Ordinal);
        }
    }

    /// <summary>A restart of the device: registrations that were not persistent are gone.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            foreach (var tags in _registered.Values)
            {
                foreach (var tag in tags.Where(static t => !t.Value).Select(static t => t.Key).ToList())
                {
                    tags.Remove(tag);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task ServeAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
        if (context.Request.Path != "/api/" || form is null)
        {
            await AnswerAsync(context, Error("bad request"), 400);
            return;
        }

        var type = form["type"].ToString();
        Calls.Enqueue(type);
        if (Down)
        {
            await AnswerAsync(context, Error("the management server is restarting"), 503);
            return;
        }

        if (type == "keygen")
        {
            var ok = form["user"] == User && form["password"] == Password;
            await AnswerAsync(context, ok ? Success(new XElement("key", ApiKey)) : Error("Invalid Credential"), ok ? 200 : 403);
            return;
        }

        if (form["key"] != ApiKey)
        {
            await AnswerAsync(context, new XElement("response", new XAttribute("status", "error"), new XAttribute("code", "403"), new XElement("result", new XElement("msg", "Invalid Credential"))), 403);
            return;
        }

        var answer = type switch
        {
            "version" => Success(new XElement("sw-version", Version), new XElement("model", "PA-VM")),
            "op" => Op(XElement.Parse(form["cmd"].ToString())),
            "user-id" => UserId(XElement.Parse(form["cmd"].ToString())),
            _ => Error($"unknown type {type}"),
        };
        await AnswerAsync(context, answer, 200);
    }

    private XElement Op(XElement command)
    {
        var query = command.Element("object")?.Element("registered-ip");
        if (command.Name != "show" || query is null)
        {
            return Error("An error occurred");
        }

        lock (_gate)
        {
            var all = _registered.Where(static r => r.Value.Count > 0).OrderBy(static r => r.Key, StringComparer.Ordinal).ToList();
            if (query.Element("tag")?.Element("entry")?.Attribute("name")?.Value is { } tag)
            {
                var tagged = all.Where(r => r.Value.ContainsKey(tag)).ToList();
                return Success([.. tagged.Select(Entry), new XElement("count", tagged.Count)]);
            }

            if (query.Element("ip")?.Value is { } ip)
            {
                var one = all.Where(r => r.Key == ip).ToList();
                return Success([.. one.Select(Entry), new XElement("count", one.Count)]);
            }

            if (query.Element("all") is not null)
            {
                var start = int.Parse(query.Element("start-point")?.Value ?? "1", System.Globalization.CultureInfo.InvariantCulture);
                var limit = int.Parse(query.Element("limit")?.Value ?? "500", System.Globalization.CultureInfo.InvariantCulture);
                var page = all.Skip(start - 1).Take(limit).ToList();
                return Success([.. page.Select(Entry), new XElement("count", page.Count)]);
            }
        }

        return Error("An error occurred");
    }

    private XElement UserId(XElement message)
    {
        var payload = message.Element("payload");
        var problems = new List<string>();
        lock (_gate)
        {
            foreach (var operation in payload?.Elements() ?? [])
            {
                var entries = operation.Elements("entry").ToList();
                UserIdMessages.Enqueue((operation.Name.LocalName, entries.Count));
                foreach (var entry in entries)
                {
                    var ip = entry.Attribute("ip")!.Value;
                    var tags = entry.Element("tag")?.Elements("member").Select(static m => m.Value).ToList() ?? [];
                    if (operation.Name == "register")
                    {
                        Register(ip, entry.Attribute("persistent")?.Value == "1", [.. tags]);
                    }
                    else if (operation.Name == "unregister")
                    {
                        foreach (var tag in tags)
                        {
                            if (!_registered.TryGetValue(ip, out var held) || !held.Remove(tag))
                            {
                                problems.Add($"{ip} {tag} does not exist, ignore unreg");
                            }
                        }
                    }
                }
            }
        }

        return problems.Count == 0 ? Success() : Error(string.Join(' ', problems));
    }

    private static XElement Entry(KeyValuePair<string, Dictionary<string, bool>> registered) => new(
        "entry",
        new XAttribute("ip", registered.Key),
        new XAttribute("from_agent", "0"),
        new XAttribute("persistent", registered.Value.Values.All(static p => p) ? "1" : "0"),
        new XElement("tag", registered.Value.Keys.Order(StringComparer.Ordinal).Select(static t => new XElement("member", t))));

    private static XElement Success(params object[] result) => new("response", new XAttribute("status", "success"), new XElement("result", result));

    private static XElement Error(string message) => new("response", new XAttribute("status", "error"), new XElement("msg", new XElement("line", message)));

    private static Task AnswerAsync(HttpContext context, XElement body, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        return context.Response.WriteAsync(body.ToString(SaveOptions.DisableFormatting));
    }
}
