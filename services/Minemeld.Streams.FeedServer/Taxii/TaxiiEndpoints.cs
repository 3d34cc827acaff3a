using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.FeedServer.Stix;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Taxii;

/// <summary>
/// A read-only TAXII 2.1 server over the feed outputs: discovery at <c>/taxii2/</c>, one API root
/// (<c>/taxii2/feeds/</c>), one collection per feed output, visible to exactly the callers <c>/feeds/</c> lets read
/// it. Objects are the feed's entries as STIX 2.1 indicators (<see cref="StixIndicators"/>) plus the producer's
/// identity, in the order of their last change (<c>date_added</c>); a withdrawn indicator is served revoked while
/// the feed remembers it. Paging: <c>added_after</c>, <c>limit</c> and an opaque <c>next</c> (the position of the
/// last entry read), which stays valid however the feed changes; <c>match[type|id|version|spec_version]</c>.
/// Errors are TAXII error objects; a caller without credentials for a feed gets 401, one whose credentials do not
/// open it 404 (a feed's existence is not revealed), an unsupported <c>Accept</c> 406.
/// </summary>
public static class TaxiiEndpoints
{
    public const string MediaType = "application/taxii+json;version=2.1";
    public const string ApiRoot = "/taxii2/feeds/";
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    /// <summary>
    /// Feed entries looked at per request at most when filters drop most of them (the page then ends early, with more).
    /// </summary>
    private const int ScanLimit = 100_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapTaxiiEndpoints(this IEndpointRouteBuilder app)
    {
        var taxii = app.MapGroup("/taxii2").AddEndpointFilter(static async (context, next) =>
            Acceptable(context.HttpContext.Request) ? await next(context).ConfigureAwait(false)
                : Error(StatusCodes.Status406NotAcceptable, "Not Acceptable", $"this server answers {MediaType}"));
        taxii.MapGet("/", Discovery);
        taxii.MapGet("/feeds/", static () => Json(static w =>
        {
            w.WriteString("title", "Minemeld.Streams feeds");
            w.WriteString("description", "One collection per feed output, read-only");
            w.WriteStartArray("versions");
            w.WriteStringValue(MediaType);
            w.WriteEndArray();
            w.WriteNumber("max_content_length", 104_857_600);
        }));
        taxii.MapGet("/feeds/collections/", CollectionsAsync);
        taxii.MapGet("/feeds/collections/{id}/", CollectionAsync);
        taxii.MapGet("/feeds/collections/{id}/objects/", (string id, HttpContext http, NodeGraph graph, AccessDirectory access, IFeedReadStore feeds) =>
            ObjectsAsync(id, null, manifest: false, http, graph, access, feeds));
        taxii.MapGet("/feeds/collections/{id}/manifest/", (string id, HttpContext http, NodeGraph graph, AccessDirectory access, IFeedReadStore feeds) =>
            ObjectsAsync(id, null, manifest: true, http, graph, access, feeds));
        taxii.MapGet("/feeds/collections/{id}/objects/{objectId}/", (string id, string objectId, HttpContext http, NodeGraph graph, AccessDirectory access, IFeedReadStore feeds) =>
            ObjectsAsync(id, objectId, manifest: false, http, graph, access, feeds));
        taxii.MapGet("/feeds/collections/{id}/objects/{objectId}/versions/", VersionsAsync);
        return app;
    }

    /// <summary>
    /// The collection id of a feed: a UUIDv5 of the graph and the feed, stable across restarts and releases.
    /// </summary>
    public static string CollectionId(NodeGraph graph, string feed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return StixIndicators.UuidV5(StixIndicators.Namespace, $"collection\n{graph.Name}\n{feed}").ToString();
    }

    private static TaxiiJson Discovery(HttpRequest request) => Json(w =>
    {
        w.WriteString("title", "Minemeld.Streams");
        w.WriteString("description", "Threat-intelligence feeds as STIX 2.1 indicators");
        w.WriteString("default", $"{request.Scheme}://{request.Host}{ApiRoot}");
        w.WriteStartArray("api_roots");
        w.WriteStringValue($"{request.Scheme}://{request.Host}{ApiRoot}");
        w.WriteEndArray();
    });

    private static async Task<IResult> CollectionsAsync(HttpContext http, NodeGraph graph, AccessDirectory access)
    {
        var identity = await access.ResolveAsync(http.Request.Headers.Authorization, adminsOnly: false, http.RequestAborted).ConfigureAwait(false);
        if (identity.Kind == IdentityKind.Rejected)
        {
            return Unauthorized(http);
        }

        var readable = new List<string>();
        foreach (var feed in graph.Nodes.Where(static n => n.Class.Name == NodeClassRegistry.RedisSet))
        {
            if (await access.CanReadFeedAsync(identity, feed.Name, http.RequestAborted).ConfigureAwait(false))
            {
                readable.Add(feed.Name);
            }
        }

        if (readable.Count == 0 && identity.Kind == IdentityKind.Anonymous && access.FeedsAuthEnabled)
        {
            return Unauthorized(http); // nothing for anonymous callers: ask for credentials rather than list nothing
        }

        return Json(w =>
        {
            w.WriteStartArray("collections");
            foreach (var feed in readable)
            {
                WriteCollection(w, graph, feed);
            }

            w.WriteEndArray();
        });
    }

    private static async Task<IResult> CollectionAsync(string id, HttpContext http, NodeGraph graph, AccessDirectory access) =>
        await FeedOfAsync(id, http, graph, access).ConfigureAwait(false) is { } feed
            ? (feed.Refusal ?? Json(w => WriteCollection(w, graph, feed.Name)))
            : Unknown(id);

    private static async Task<IResult> VersionsAsync(string id, string objectId, HttpContext http, NodeGraph graph, AccessDirectory access, IFeedReadStore feeds)
    {
        if (await FeedOfAsync(id, http, graph, access).ConfigureAwait(false) is not { } feed)
        {
            return Unknown(id);
        }

        if (feed.Refusal is { } refusal)
        {
            return refusal;
        }

        var found = objectId == StixIndicators.IdentityId ? (Modified: StixIndicators.IdentityCreated, DateAdded: 0L) : await FindAsync(feeds, feed.Name, objectId, http.RequestAborted).ConfigureAwait(false) is { } entry
            ? (Modified: StixIndicators.Timestamp(Modified(entry)), DateAdded: (long)entry.Score)
            : default;
        if (found.Modified is null)
        {
            return Error(StatusCodes.Status404NotFound, "Object not found", $"{objectId} is not in collection {id}");
        }

        return Json(w =>
        {
            w.WriteBoolean("more", false);
            w.WriteStartArray("versions");
            w.WriteStringValue(found.Modified);
            w.WriteEndArray();
        });
    }

    /// <summary>
    /// objects (or manifest, or one object): the feed's entries after a position, filtered, with the envelope's paging.
    /// </summary>
    private static async Task<IResult> ObjectsAsync(string id, string? objectId, bool manifest, HttpContext http, NodeGraph graph, AccessDirectory access, IFeedReadStore feeds)
    {
        if (await FeedOfAsync(id, http, graph, access).ConfigureAwait(false) is not { } feed)
        {
            return Unknown(id);
        }

        if (feed.Refusal is { } refusal)
        {
            return refusal;
        }

        if (!Filters.TryParse(http.Request.Query, objectId, out var filters, out var problem))
        {
            return Error(StatusCodes.Status400BadRequest, "Bad request", problem!);
        }

        var objects = new List<(string Id, long DateAdded, string Modified, byte[]? Json)>();
        var position = filters.After;
        var more = false;
        var scanned = 0;

        // The producer's identity comes first (its date_added is fixed), on a first page that asks for it.
        if (filters.Next is null && filters.Accepts("identity", StixIndicators.IdentityId, StixIndicators.IdentityCreated) &&
            StixIndicators.TryParseTimestamp(StixIndicators.IdentityCreated, out var identityAdded) && identityAdded > position.Score)
        {
            objects.Add((StixIndicators.IdentityId, identityAdded, StixIndicators.IdentityCreated, manifest ? null : Render(static w => StixIndicators.WriteIdentity(w))));
        }

        if (filters.Types is null || filters.Types.Contains("indicator"))
        {
            while (objects.Count < filters.Limit && scanned < ScanLimit)
            {
                var want = Math.Min(Math.Max(filters.Limit - objects.Count, 1000), ScanLimit - scanned);
                var page = await feeds.ReadAddedAsync(feed.Name, position, want, withValues: true, http.RequestAborted).ConfigureAwait(false);
                var read = 0;
                foreach (var entry in page.Entries)
                {
                    read++;
                    scanned++;
                    position = new FeedPosition(entry.Score, entry.Indicator);
                    var modifiedMs = Modified(entry);
                    var modified = StixIndicators.Timestamp(modifiedMs);
                    var stixId = StixIndicators.Id(feed.Name, entry.Indicator);
                    if (!filters.Accepts("indicator", stixId, modified))
                    {
                        continue;
                    }

                    var json = Render(w => StixIndicators.TryWrite(w, feed.Name, entry.Indicator, entry.Value, modifiedMs, entry.Withdrawn));
                    if (json.Length == 0)
                    {
                        continue; // a type STIX patterns do not cover
                    }

                    objects.Add((stixId, (long)entry.Score, modified, manifest ? null : json));
                    if (objects.Count == filters.Limit)
                    {
                        break;
                    }
                }

                // More follows when the store says so, or when this page was left before its end.
                more = page.More || read < page.Entries.Count;
                if (!page.More)
                {
                    break;
                }
            }
        }

        if (objectId is not null && objects.Count == 0)
        {
            return Error(StatusCodes.Status404NotFound, "Object not found", $"{objectId} is not in collection {id}");
        }

        if (objects.Count > 0)
        {
            http.Response.Headers["X-TAXII-Date-Added-First"] = StixIndicators.Timestamp(objects[0].DateAdded);
            http.Response.Headers["X-TAXII-Date-Added-Last"] = StixIndicators.Timestamp(objects[^1].DateAdded);
        }

        var nextCursor = more ? Cursor.Encode(position) : null;
        return Json(w =>
        {
            w.WriteBoolean("more", more);
            if (nextCursor is not null)
            {
                w.WriteString("next", nextCursor);
            }

            w.WriteStartArray("objects");
            foreach (var item in objects)
            {
                if (manifest)
                {
                    w.WriteStartObject();
                    w.WriteString("id", item.Id);
                    w.WriteString("date_added", StixIndicators.Timestamp(item.DateAdded));
                    w.WriteString("version", item.Modified);
                    w.WriteString("media_type", StixIndicators.MediaType);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteRawValue(item.Json!, skipInputValidation: true);
                }
            }

            w.WriteEndArray();
        });
    }

    /// <summary>
    /// An object by id: the feed is scanned in change order (ids are hashes of the indicators; no index is kept).
    /// </summary>
    private static async Task<AddedFeedEntry?> FindAsync(IFeedReadStore feeds, string feed, string objectId, CancellationToken cancellationToken)
    {
        var position = FeedPosition.Start;
        while (true)
        {
            var page = await feeds.ReadAddedAsync(feed, position, 5000, withValues: true, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                if (StixIndicators.Id(feed, entry.Indicator) == objectId)
                {
                    return entry;
                }
            }

            if (!page.More || page.Entries.Count == 0)
            {
                return null;
            }

            position = new FeedPosition(page.Entries[^1].Score, page.Entries[^1].Indicator);
        }
    }

    /// <summary>
    /// An entry's version: its value's last_seen when it has one (the output scored it by that), else its score.
    /// </summary>
    private static long Modified(AddedFeedEntry entry) => (entry.Withdrawn ? null : StixIndicators.LastSeen(entry.Value)) ?? (long)entry.Score;

    private static async Task<FeedAccess?> FeedOfAsync(string id, HttpContext http, NodeGraph graph, AccessDirectory access)
    {
        var feed = graph.Nodes.FirstOrDefault(n => n.Class.Name == NodeClassRegistry.RedisSet && CollectionId(graph, n.Name) == id)?.Name;
        var identity = await access.ResolveAsync(http.Request.Headers.Authorization, adminsOnly: false, http.RequestAborted).ConfigureAwait(false);
        if (identity.Kind == IdentityKind.Rejected)
        {
            return new FeedAccess(feed ?? string.Empty, Unauthorized(http));
        }

        if (feed is not null && await access.CanReadFeedAsync(identity, feed, http.RequestAborted).ConfigureAwait(false))
        {
            return new FeedAccess(feed, null);
        }

        // Unknown, or not this caller's: anonymous callers are asked for credentials, others told it is not there.
        return identity.Kind == IdentityKind.Anonymous && access.FeedsAuthEnabled ? new FeedAccess(feed ?? string.Empty, Unauthorized(http)) : null;
    }

    private static void WriteCollection(Utf8JsonWriter w, NodeGraph graph, string feed)
    {
        w.WriteStartObject();
        w.WriteString("id", CollectionId(graph, feed));
        w.WriteString("title", feed);
        w.WriteString("description", $"Feed output {feed} of graph {graph.Name}");
        w.WriteBoolean("can_read", true);
        w.WriteBoolean("can_write", false);
        w.WriteStartArray("media_types");
        w.WriteStringValue(StixIndicators.MediaType);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// Whether the client takes TAXII 2.1: no Accept, or one naming <c>application/taxii+json</c> (version 2.1 or
    /// none), <c>application/*</c> or <c>*/*</c>.
    /// </summary>
    private static bool Acceptable(HttpRequest request)
    {
        if (request.Headers.Accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var types))
        {
            return request.Headers.Accept.Count == 0;
        }

        return types.Any(static t =>
            t.MediaType.Equals("*/*", StringComparison.OrdinalIgnoreCase) ||
            t.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase) ||
            (t.MediaType.Equals("application/taxii+json", StringComparison.OrdinalIgnoreCase) &&
             (t.Parameters.FirstOrDefault(static p => p.Name.Equals("version", StringComparison.OrdinalIgnoreCase)) is not { } version || version.Value.Equals("2.1", StringComparison.Ordinal))));
    }

    private static TaxiiJson Unauthorized(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = FeedResponder.Realm;
        return Error(StatusCodes.Status401Unauthorized, "Unauthorized", "this collection needs the credentials of a user its tags allow");
    }

    private static TaxiiJson Unknown(string id) => Error(StatusCodes.Status404NotFound, "Collection not found", $"no collection {id} for this caller");

    private static TaxiiJson Error(int status, string title, string description) => Json(w =>
    {
        w.WriteString("title", title);
        w.WriteString("description", description);
        w.WriteString("http_status", status.ToString(CultureInfo.InvariantCulture));
    }, status);

    private static TaxiiJson Json(Action<Utf8JsonWriter> body, int status = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return new TaxiiJson(buffer.WrittenMemory.ToArray(), status);
    }

    private static byte[] Render(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenMemory.ToArray();
    }

    private sealed record FeedAccess(string Name, IResult? Refusal);

    /// <summary>A TAXII body with exactly the TAXII media type (no charset parameter added).</summary>
    private sealed class TaxiiJson(byte[] body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = MediaType;
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }

    /// <summary>The opaque <c>next</c>: the position of the last entry read, base64url of "score\nmember".</summary>
    private static class Cursor
    {
        public static string Encode(FeedPosition position) =>
            System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{position.Score.ToString("R", CultureInfo.InvariantCulture)}\n{position.Member}"));

        public static bool TryDecode(string text, out FeedPosition position)
        {
            position = default;
            try
            {
                var decoded = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text));
                var newline = decoded.IndexOf('\n', StringComparison.Ordinal);
                if (newline <= 0 || !double.TryParse(decoded.AsSpan(0, newline), NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
                {
                    return false;
                }

                position = new FeedPosition(score, decoded[(newline + 1)..]);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    /// <summary>The query's filters and paging.</summary>
    private sealed record Filters(FeedPosition After, string? Next, int Limit, HashSet<string>? Types, HashSet<string>? Ids, HashSet<string>? Versions)
    {
        public bool Accepts(string type, string id, string modified) =>
            (Types is null || Types.Contains(type)) &&
            (Ids is null || Ids.Contains(id)) &&
            (Versions is null || Versions.Contains("last") || Versions.Contains("first") || Versions.Contains("all") || Versions.Contains(modified));

        public static bool TryParse(IQueryCollection query, string? objectId, out Filters filters, out string? problem)
        {
            filters = null!;
            problem = null;
            var after = FeedPosition.Start;
            var cursor = query["next"].ToString();
            if (cursor.Length > 0)
            {
                if (!Cursor.TryDecode(cursor, out after))
                {
                    problem = "next is not a value this server gave";
                    return false;
                }
            }
            else if (query["added_after"].ToString() is { Length: > 0 } addedAfter)
            {
                if (!StixIndicators.TryParseTimestamp(addedAfter, out var ms))
                {
                    problem = $"added_after '{addedAfter}' is not a timestamp (e.g. 2026-12-07T10:00:00.000Z)";
                    return false;
                }

                after = new FeedPosition(ms, null);
            }

            var limit = DefaultLimit;
            if (query["limit"].ToString() is { Length: > 0 } given &&
                (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
            {
                problem = $"limit must be a whole number from 1 (got '{given}')";
                return false;
            }

            HashSet<string>? Set(string name)
            {
                var values = query[name].SelectMany(static v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
                return values.Count > 0 ? values : null;
            }

            var ids = Set("match[id]");
            if (objectId is not null)
            {
                ids = ids is null || ids.Contains(objectId) ? [objectId] : [];
            }

            var specVersions = Set("match[spec_version]");
            var types = Set("match[type]");
            if (specVersions is not null && !specVersions.Contains("2.1"))
            {
                types = []; // only STIX 2.1 here
            }

            filters = new Filters(after, cursor.Length > 0 ? cursor : null, Math.Min(limit, MaxLimit), types, ids, Set("match[version]"));
            return true;
        }
    }
}
