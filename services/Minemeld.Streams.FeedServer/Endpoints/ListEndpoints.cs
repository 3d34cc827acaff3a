using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Lists;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>
/// The JSON API for local lists: <c>GET /lists/&lt;node&gt;</c>; <c>POST /lists/&lt;node&gt;/entries</c> (add or
/// update), <c>PUT /lists/&lt;node&gt;/entries</c> (replace the whole list), <c>POST /lists/&lt;node&gt;/remove</c>.
/// Entries are <c>{"indicator": …, "ttl": seconds | "expires_at": epoch ms, …attributes}</c>. A request is all or
/// nothing: one invalid entry rejects it (the problem names every refused entry: <c>errors[]</c> with <c>entry</c>, its
/// index). Errors are RFC 7807 problem details.
/// </summary>
public static class ListEndpoints
{
    public static IEndpointRouteBuilder MapListEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/lists").AddEndpointFilter(new AdminEndpointFilter("lists", write: false))
            .MapGet("/{node}", GetAsync);
        var write = app.MapGroup("/lists").AddEndpointFilter(new AdminEndpointFilter("lists", write: true));
        write.MapPost("/{node}/entries", (string node, HttpContext http, LocalListCatalog lists, TimeProvider time, IOptions<FeedServerOptions> options) =>
            UpsertAsync(node, http, lists, time, options, replace: false));
        write.MapPut("/{node}/entries", (string node, HttpContext http, LocalListCatalog lists, TimeProvider time, IOptions<FeedServerOptions> options) =>
            UpsertAsync(node, http, lists, time, options, replace: true));
        write.MapPost("/{node}/remove", RemoveAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(string node, LocalListCatalog lists, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!lists.TryGet(node, out var list))
        {
            return UnknownList(node);
        }

        var entries = await list.Store.ReadEntriesAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var items = new JsonArray();
        foreach (var entry in entries.OrderBy(static e => e.Indicator, StringComparer.Ordinal))
        {
            items.Add(new JsonObject
            {
                ["indicator"] = entry.Indicator,
                ["attributes"] = entry.Attributes.DeepClone(),
                ["expires_at"] = entry.ExpiresAt,
                ["updated_at"] = entry.UpdatedAt,
            });
        }

        return Results.Text(new JsonObject { ["node"] = node, ["count"] = entries.Count, ["entries"] = items }.ToJsonString(), "application/json");
    }

    private static async Task<IResult> UpsertAsync(string node, HttpContext http, LocalListCatalog lists, TimeProvider time, IOptions<FeedServerOptions> options, bool replace)
    {
        if (!lists.TryGet(node, out var list))
        {
            return UnknownList(node);
        }

        AllowLargeBody(http, options.Value.MaxListBodyBytes);
        if (await ReadAsync(http, "entries").ConfigureAwait(false) is not { } items)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: "expected {\"entries\": [{\"indicator\": ...}, ...]}");
        }

        try
        {
            var entries = ListEntryParser.ApiEntries(items, list, time.GetUtcNow().ToUnixTimeMilliseconds());
            var (written, _) = await ConfigDataEndpoints.WriteAsync(list.Store, entries, replace).ConfigureAwait(false);
            return Results.Json(new { node, written, replaced = replace });
        }
        catch (InvalidListEntriesException ex)
        {
            // Every refused entry (up to MaxReported) by its index in the request, so a console or a script can point
            // at the lines of an upload.
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid entries, nothing written", detail: ex.Message, extensions: new Dictionary<string, object?>
            {
                ["refused"] = ex.Refused,
                ["total"] = ex.Total,
                ["errors"] = ex.Errors.Select(static e => new { entry = e.Entry, indicator = e.Indicator, message = e.Message }).ToList(),
            });
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid entries, nothing written", detail: ex.Message);
        }
    }

    private static async Task<IResult> RemoveAsync(string node, HttpContext http, LocalListCatalog lists, IOptions<FeedServerOptions> options)
    {
        if (!lists.TryGet(node, out var list))
        {
            return UnknownList(node);
        }

        AllowLargeBody(http, options.Value.MaxListBodyBytes);
        if (RemovalIndicators(await MineMeldResults.ReadJsonAsync(http.Request).ConfigureAwait(false) as JsonObject) is not { } indicators)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: "expected {\"indicators\": [\"...\", ...]} or {\"entries\": [{\"indicator\": \"...\"}, ...]}");
        }

        // An accepted edit is carried out whole, even if the client has gone meanwhile: no request token.
        var (removed, notFound) = await list.Store.RemoveReportingAsync(indicators, CancellationToken.None).ConfigureAwait(false);
        return Results.Json(new { node, removed, not_found = notFound });
    }

    /// <summary>
    /// The indicators of a removal: <c>{"indicators": ["..."]}</c>, or the body shape additions take,
    /// <c>{"entries": [{"indicator": "..."}]}</c>; null when neither holds only strings.
    /// </summary>
    private static List<string>? RemovalIndicators(JsonObject? body)
    {
        static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String;

        if (body?["indicators"] is JsonArray named && named.All(IsString))
        {
            return [.. named.Select(static i => i!.GetValue<string>())];
        }

        return body?["entries"] is JsonArray entries && entries.All(static e => e is JsonObject o && IsString(o["indicator"]))
            ? [.. entries.Select(static e => e!["indicator"]!.GetValue<string>())]
            : null;
    }

    private static async Task<JsonArray?> ReadAsync(HttpContext http, string property) =>
        (await MineMeldResults.ReadJsonAsync(http.Request).ConfigureAwait(false) as JsonObject)?[property] as JsonArray;

    private static void AllowLargeBody(HttpContext http, long limit)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    private static IResult UnknownList(string node) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown list", detail: $"{node} is not a local-list miner of this graph");
}
