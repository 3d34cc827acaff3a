using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// A TAXII 1.1 server on loopback that speaks the HTTP binding's XML messages the way public servers (Soltra Edge,
/// hailataxii, DHS) do: a discovery service listing a collection management service, which lists one data feed
/// collection with a polling service, whose content blocks carry timestamp labels a poll selects by
/// <c>(Exclusive_Begin, Inclusive_End]</c>, answered in parts of <see cref="PartSize"/> blocks (<c>more</c>, then
/// poll fulfillment). Requests without the right basic credentials are refused with 401; every answer names the
/// request it answers (<c>in_response_to</c>).
/// </summary>
public sealed class Taxii11Server : IAsyncDisposable
{
    public const string Collection = "guest.Abuse_ch";
    private static readonly XNamespace Taxii = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";

    private readonly List<(DateTimeOffset Label, string Package)> _blocks = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, List<XElement>> _results = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = string.Empty;

    public string DiscoveryUrl => $"{BaseUrl}/taxii-discovery-service";

    /// <summary>Basic credentials required, or null for none.</summary>
    public (string User, string Password)? Credentials { get; set; } = ("guest", "guest");

    /// <summary>The subscription id a poll must carry instead of poll parameters, or null.</summary>
    public string? RequiredSubscription { get; set; }

    /// <summary>Content blocks per poll response part.</summary>
    public int PartSize { get; set; } = 100;

    /// <summary>When set, polls are answered with a status message of this type.</summary>
    public string? PollStatus { get; set; }

    /// <summary>Every poll request received: its begin and end labels and whether it carried a subscription id.</summary>
    public ConcurrentQueue<(string? Begin, string? End, string? Subscription)> Polls { get; } = new();

    public ConcurrentQueue<string> Fulfillments { get; } = new();

    public static async Task<Taxii11Server> StartAsync()
    {
        var server = new Taxii11Server();
        (server._app, server.BaseUrl) = await LoopbackWebApp.StartAsync(server.ServeAsync);
        return server;
    }

    /// <summary>Adds a content block (a STIX package's XML) with its timestamp label.</summary>
    public void Add(DateTimeOffset label, string package)
    {
        lock (_gate)
        {
            _blocks.Add((label, package));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (Credentials is { } credentials)
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}"));
            if (context.Request.Headers.Authorization != expected)
            {
                context.Response.StatusCode = 401;
                return;
            }
        }

        if (context.Request.Headers["X-TAXII-Content-Type"] != "urn:taxii.mitre.org:message:xml:1.1")
        {
            context.Response.StatusCode = 400;
            return;
        }

        var request = XElement.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync());
        var id = (string?)request.Attribute("message_id") ?? "0";
        var answer = (context.Request.Path.Value, request.Name.LocalName) switch
        {
            ("/taxii-discovery-service", "Discovery_Request") => Discovery(id),
            ("/taxii-collection-management-service", "Collection_Information_Request") => CollectionInformation(id),
            ("/taxii-poll-service", "Poll_Request") => Poll(id, request),
            ("/taxii-poll-service", "Poll_Fulfillment") => Fulfill(id, request),
            _ => Status(id, "BAD_MESSAGE", $"{request.Name.LocalName} is not served at {context.Request.Path}"),
        };
        context.Response.ContentType = "application/xml";
        context.Response.Headers["X-TAXII-Content-Type"] = "urn:taxii.mitre.org:message:xml:1.1";
        await context.Response.WriteAsync(answer.ToString(SaveOptions.DisableFormatting));
    }

    private XElement Discovery(string id) => Message("Discovery_Response", id,
        Service("DISCOVERY", "/taxii-discovery-service"),
        Service("COLLECTION_MANAGEMENT", "/taxii-collection-management-service"),
        Service("POLL", "/taxii-poll-service"));

    private XElement CollectionInformation(string id) => Message("Collection_Information_Response", id,
        new XElement(Taxii + "Collection",
            new XAttribute("collection_name", "system.Default"), new XAttribute("collection_type", "DATA_SET"), new XAttribute("available", "true"),
            new XElement(Taxii + "Description", "not a feed")),
        new XElement(Taxii + "Collection",
            new XAttribute("collection_name", Collection), new XAttribute("collection_type", "DATA_FEED"), new XAttribute("available", "true"),
            new XElement(Taxii + "Description", "abuse.ch indicators"),
            new XElement(Taxii + "Polling_Service",
                new XElement(Taxii + "Protocol_Binding", "urn:taxii.mitre.org:protocol:http:1.0"),
                new XElement(Taxii + "Address", $"{BaseUrl}/taxii-poll-service"),
                new XElement(Taxii + "Message_Binding", "urn:taxii.mitre.org:message:xml:1.1"))));

    private XElement Poll(string id, XElement request)
    {
        var begin = request.Element(Taxii + "Exclusive_Begin_Timestamp")?.Value;
        var end = request.Element(Taxii + "Inclusive_End_Timestamp")?.Value;
        var subscription = request.Element(Taxii + "Subscription_ID")?.Value;
        Polls.Enqueue((begin, end, subscription));
        if (PollStatus is { } status)
        {
            return Status(id, status, "the collection is being rebuilt");
        }

        if (RequiredSubscription is { } required && subscription != required)
        {
            return Status(id, "UNAUTHORIZED", "a valid subscription id is required");
        }

        var from = begin is null ? DateTimeOffset.MinValue : DateTimeOffset.Parse(begin, CultureInfo.InvariantCulture);
        var to = end is null ? DateTimeOffset.MaxValue : DateTimeOffset.Parse(end, CultureInfo.InvariantCulture);
        List<XElement> blocks;
        lock (_gate)
        {
            blocks = [.. _blocks.Where(b => b.Label > from && b.Label <= to).OrderBy(static b => b.Label).Select(static b => Block(b.Label, b.Package))];
        }

        var resultId = Guid.NewGuid().ToString("N");
        _results[resultId] = blocks;
        return Part(id, resultId, 1, end);
    }

    private XElement Fulfill(string id, XElement request)
    {
        var resultId = (string?)request.Attribute("result_id") ?? string.Empty;
        var part = int.Parse((string?)request.Attribute("result_part_number") ?? "0", CultureInfo.InvariantCulture);
        Fulfillments.Enqueue($"{resultId}:{part}");
        return _results.ContainsKey(resultId) ? Part(id, resultId, part, null) : Status(id, "NOT_FOUND", $"no result {resultId}");
    }

    private XElement Part(string id, string resultId, int part, string? end)
    {
        var blocks = _results[resultId];
        var slice = blocks.Skip((part - 1) * PartSize).Take(PartSize).ToList();
        var more = part * PartSize < blocks.Count;
        return Message("Poll_Response", id,
            new XAttribute("collection_name", Collection), new XAttribute("more", more ? "true" : "false"),
            new XAttribute("result_id", resultId), new XAttribute("result_part_number", part),
            end is null ? null : new XElement(Taxii + "Inclusive_End_Timestamp", end),
            new XElement(Taxii + "Record_Count", new XAttribute("partial_count", "false"), blocks.Count),
            slice);
    }

    private static XElement Block(DateTimeOffset label, string package) => new(Taxii + "Content_Block",
        new XElement(Taxii + "Content_Binding", new XAttribute("binding_id", "urn:stix.mitre.org:xml:1.1.1")),
        new XElement(Taxii + "Content", XElement.Parse(package)),
        new XElement(Taxii + "Timestamp_Label", label.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));

    private XElement Service(string type, string path) => new(Taxii + "Service_Instance",
        new XAttribute("service_type", type), new XAttribute("service_version", "urn:taxii.mitre.org:services:1.1"), new XAttribute("available", "true"),
        new XElement(Taxii + "Protocol_Binding", "urn:taxii.mitre.org:protocol:http:1.0"),
        new XElement(Taxii + "Address", $"{BaseUrl}{path}"),
        new XElement(Taxii + "Message_Binding", "urn:taxii.mitre.org:message:xml:1.1"));

    private static XElement Status(string id, string type, string message) =>
        Message("Status_Message", id, new XAttribute("status_type", type), new XElement(Taxii + "Message", message));

    private static XElement Message(string name, string inResponseTo, params object?[] content) => new(Taxii + name,
        new XAttribute(XNamespace.Xmlns + "taxii_11", Taxii.NamespaceName),
        new XAttribute("message_id", Random.Shared.Next(1, int.MaxValue)),
        new XAttribute("in_response_to", inResponseTo),
        content);
}
