using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>A real HTTP server on loopback serving feed documents that tests can change or break.</summary>
public sealed class FixtureHttpServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Header, string Value)> _keys = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private FixtureHttpServer()
    {
    }

    public string BaseUrl { get; private set; } = string.Empty;

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    public static async Task<FixtureHttpServer> StartAsync()
    {
        var server = new FixtureHttpServer();
        (server._app, server.BaseUrl) = await LoopbackWebApp.StartAsync(server.ServeAsync);
        return server;
    }

    public void Set(string path, string body, int status = 200) => _documents[path] = (status, body);

    /// <summary>From now on <paramref name="path"/> answers 403 unless the request carries the header with this value.</summary>
    public void RequireHeader(string path, string header, string value) => _keys[path] = (header, value);

    /// <summary>The query string of the last request to each path.</summary>
    public ConcurrentDictionary<string, string> LastQueries { get; } = new(StringComparer.Ordinal);

    /// <summary>The body of the last request to each path (a POST's JSON).</summary>
    public ConcurrentDictionary<string, string> LastBodies { get; } = new(StringComparer.Ordinal);

    /// <summary>The headers of the last request to each path.</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> LastHeaders { get; } = new(StringComparer.Ordinal);

    public string Url(string path) => $"{BaseUrl}{path}";

    public async ValueTask DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.AddOrUpdate(path, 1, static (_, n) => n + 1);
        LastQueries[path] = context.Request.QueryString.Value ?? string.Empty;
        LastHeaders[path] = context.Request.Headers.ToDictionary(static h => h.Key, static h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        LastBodies[path] = await new StreamReader(context.Request.Body).ReadToEndAsync();
        if (!_documents.TryGetValue(path, out var document))
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (_keys.TryGetValue(path, out var key) && context.Request.Headers[key.Header] != key.Value)
        {
            context.Response.StatusCode = 403;
            return;
        }

        context.Response.StatusCode = document.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(document.Body);
    }
}
