using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>A real HTTP server on a free loopback port answering every request with one handler (the fixture servers).</summary>
internal static class LoopbackWebApp
{
    /// <param name="handler">What answers every request.</param>
    /// <param name="certificate">Serve HTTPS with this certificate (HTTP when null).</param>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(RequestDelegate handler, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            if (certificate is not null)
            {
                o.UseHttps(certificate);
            }
        }));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
