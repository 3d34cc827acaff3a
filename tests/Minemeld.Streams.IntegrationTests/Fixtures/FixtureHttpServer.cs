using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>A real HTTP server on loopback serving feed documents that tests can change or break.</summary>
public sealed class FixtureHttpServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Header, string Value)> _keys = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private FixtureHttpServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    public static async Task<FixtureHttpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FixtureHttpServer(app);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public void Set(string path, string body, int status = 200) => _documents[path] = (status, body);

    /// <summary>From now on <paramref name="path"/> answers 403 unless the request carries the header with this value.</summary>
    public void RequireHeader(string path, string header, string value) => _keys[path] = (header, value);

    /// <summary>The query string of the last request to each path.</summary>
    public ConcurrentDictionary<string, string> LastQueries { get; } = new(StringComparer.Ordinal);

    /// <summary>The headers of the last request to each path.</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> LastHeaders { get; } = new(StringComparer.Ordinal);

    public string Url(string path) => $"{BaseUrl}{path}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.AddOrUpdate(path, 1, static (_, n) => n + 1);
        LastQueries[path] = context.Request.QueryString.Value ?? string.Empty;
        LastHeaders[path] = context.Request.Headers.ToDictionary(static h => h.Key, static h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
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
