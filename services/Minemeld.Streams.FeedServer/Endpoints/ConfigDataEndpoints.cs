using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Lists;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>
/// MineMeld's config data API for local lists (docs/feed-api.md), so minemeld-sync and the WebUI's list editor keep
/// working: <c>/config/data/&lt;node&gt;_indicators</c> with <c>t=yaml</c> (GET, PUT = replace, POST append = one
/// entry) and <c>t=localdb</c> (GET, POST append with <c>type</c> and <c>ttl</c>). Every edit reaches the miner at once
/// (the store signals it, so <c>h=</c> is accepted and implied).
/// </summary>
public static class ConfigDataEndpoints
{
    private const string UnknownFile = "Unknown config data file";

    public static IEndpointRouteBuilder MapConfigDataEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/config/data").AddEndpointFilter(new AdminEndpointFilter("config-data", write: false))
            .MapGet("/{name}", GetAsync);
        var write = app.MapGroup("/config/data").AddEndpointFilter(new AdminEndpointFilter("config-data", write: true));
        write.MapPut("/{name}", PutAsync);
        write.MapPost("/{name}/append", AppendAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(string name, string? t, LocalListCatalog lists, TimeProvider time, CancellationToken cancellationToken)
    {
        if (t is "cert" or "pkey" || !lists.TryGetBySideFile(name, out var list))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, UnknownFile);
        }

        var entries = await list.Store.ReadEntriesAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var result = new JsonArray();
        foreach (var entry in entries.OrderBy(static e => e.Indicator, StringComparer.Ordinal))
        {
            var item = (JsonObject)entry.Attributes.DeepClone();
            var byDefault = item.Remove(LocalListStore.ExpiresByDefault);
            item["indicator"] = entry.Indicator;
            item["type"] ??= list.ForcedType; // a sync tool compares entries with their type: a rerun then sees no change
            if (t == "localdb")
            {
                // MineMeld's table: null when written without a ttl (default_ttl applies), "disabled" for never.
                item["_expiration_ts"] = byDefault ? null : entry.ExpiresAt is { } expires ? expires : "disabled";
                item["_update_ts"] = entry.UpdatedAt;
            }

            result.Add(item);
        }

        // Both wrap the list in result, as MineMeld's API does (minemeld-sync reads result).
        return MineMeldResults.Ok(result);
    }

    private static async Task<IResult> PutAsync(string name, string? t, HttpRequest request, LocalListCatalog lists)
    {
        if (t == "localdb")
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "Method not allowed on localdb files");
        }

        if (t is "cert" or "pkey" || !lists.TryGetBySideFile(name, out var list))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, UnknownFile);
        }

        if (await MineMeldResults.ReadJsonAsync(request).ConfigureAwait(false) is not JsonArray items)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "the body must be a JSON list of {\"indicator\": ...} objects");
        }

        return await ApplyAsync(list, () => ListEntryParser.YamlEntries(items, list), replace: true).ConfigureAwait(false);
    }

    private static async Task<IResult> AppendAsync(string name, string? t, HttpRequest request, LocalListCatalog lists, TimeProvider time)
    {
        if (t is "cert" or "pkey" || !lists.TryGetBySideFile(name, out var list))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, UnknownFile);
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (text.Trim().Length == 0)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "No body");
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (t == "localdb")
        {
            return await ApplyAsync(list, () => json is null ? ListEntryParser.LocalDbText(text, list, now) : ListEntryParser.LocalDbEntries(json, list, now), replace: false).ConfigureAwait(false);
        }

        if (json is not JsonObject item)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "append takes one JSON object {\"indicator\": ...}");
        }

        return await ApplyAsync(list, () => ListEntryParser.YamlEntries([item], list), replace: false).ConfigureAwait(false);
    }

    /// <summary>Parses, validates and writes an edit; nothing is written when any entry is invalid.</summary>
    internal static async Task<IResult> ApplyAsync(LocalList list, Func<List<ListEntryParser.Entry>> parse, bool replace)
    {
        try
        {
            await WriteAsync(list.Store, parse(), replace).ConfigureAwait(false);
            return MineMeldResults.Ok("ok");
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    internal static async Task<(int Written, long Removed)> WriteAsync(LocalListStore store, List<ListEntryParser.Entry> entries, bool replace)
    {
        // An accepted edit is carried out whole, even if the client has gone meanwhile: no request token.
        var upserts = entries.Where(static e => !e.Remove).Select(static e => (e.Indicator, e.Attributes)).ToList();
        var removals = entries.Where(static e => e.Remove).Select(static e => e.Indicator).ToList();
        var written = upserts.Count > 0 || replace ? await store.UpsertAsync(upserts, replace, CancellationToken.None).ConfigureAwait(false) : 0;
        var removed = removals.Count > 0 ? await store.RemoveAsync(removals, CancellationToken.None).ConfigureAwait(false) : 0;
        return (written, removed);
    }
}
