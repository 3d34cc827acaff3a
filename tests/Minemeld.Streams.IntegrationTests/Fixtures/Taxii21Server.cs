using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// A TAXII 2.1 server on loopback as Unit 42's and OpenCTI's answer: a discovery document with two API roots, a
/// collection, and its objects by <c>added_after</c> in pages of <c>limit</c> with <c>more</c>/<c>next</c> and the
/// <c>X-TAXII-Date-Added-First/Last</c> headers. Anything but the TAXII 2.1 media type is refused with 406; the
/// <c>Authorization: Token</c> key, when set, is required (401).
/// </summary>
public sealed class Taxii21Server : IAsyncDisposable
{
    public const string CollectionId = "5ac266d8-de48-3d6b-83f1-c4e4047d6e44";
    private readonly List<(DateTimeOffset Added, JsonObject Object)> _objects = [];
    private readonly Lock _gate = new();
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = string.Empty;

    public string DiscoveryUrl => $"{BaseUrl}/taxii2/";

    public string? ApiKey { get; set; }

    /// <summary>The query string of every objects request, in order.</summary>
    public ConcurrentQueue<string> ObjectRequests { get; } = new();

    public static async Task<Taxii21Server> StartAsync()
    {
        var server = new Taxii21Server();
        (server._app, server.BaseUrl) = await LoopbackWebApp.StartAsync(server.ServeAsync);
        return server;
    }

    public void Add(DateTimeOffset added, JsonObject stixObject)
    {
        lock (_gate)
        {
            _objects.Add((added, stixObject));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (!context.Request.Headers.Accept.ToString().Replace(" ", string.Empty, StringComparison.Ordinal).Contains("application/taxii+json;version=2.1", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 406;
            return;
        }

        if (ApiKey is { } key && context.Request.Headers.Authorization != $"Token {key}")
        {
            context.Response.StatusCode = 401;
            await Write(context, new JsonObject { ["title"] = "unauthorized", ["http_status"] = "401" });
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        if (path == "/taxii2/")
        {
            await Write(context, new JsonObject
            {
                ["title"] = "fixture TAXII server",
                ["default"] = $"{BaseUrl}/api1/",
                ["api_roots"] = new JsonArray($"{BaseUrl}/api1/", $"{BaseUrl}/playbooks/"),
            });
        }
        else if (path == "/playbooks/collections/")
        {
            await Write(context, new JsonObject
            {
                ["collections"] = new JsonArray(
                    new JsonObject { ["id"] = "00000000-0000-4000-8000-000000000001", ["title"] = "Write only", ["can_read"] = false, ["can_write"] = true },
                    new JsonObject { ["id"] = CollectionId, ["title"] = "Unit 42 Playbooks", ["can_read"] = true, ["can_write"] = false }),
            });
        }
        else if (path == $"/playbooks/collections/{CollectionId}/objects/")
        {
            ObjectRequests.Enqueue(context.Request.QueryString.Value ?? string.Empty);
            var after = DateTimeOffset.Parse(context.Request.Query["added_after"].ToString(), CultureInfo.InvariantCulture);
            var limit = int.Parse(context.Request.Query["limit"].ToString(), CultureInfo.InvariantCulture);
            var start = context.Request.Query["next"].ToString() is { Length: > 0 } next ? int.Parse(next, CultureInfo.InvariantCulture) : 0;
            List<(DateTimeOffset Added, JsonObject Object)> matching;
            lock (_gate)
            {
                matching = [.. _objects.Where(o => o.Added > after).OrderBy(static o => o.Added)];
            }

            var page = matching.Skip(start).Take(limit).ToList();
            var more = start + page.Count < matching.Count;
            var envelope = new JsonObject { ["more"] = more, ["objects"] = new JsonArray([.. page.Select(static o => o.Object.DeepClone())]) };
            if (more)
            {
                envelope["next"] = (start + page.Count).ToString(CultureInfo.InvariantCulture);
            }

            if (page.Count > 0)
            {
                context.Response.Headers["X-TAXII-Date-Added-First"] = Stamp(page[0].Added);
                context.Response.Headers["X-TAXII-Date-Added-Last"] = Stamp(page[^1].Added);
            }

            await Write(context, envelope);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static Task Write(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/taxii+json;version=2.1";
        return context.Response.WriteAsync(body.ToJsonString());
    }
}
