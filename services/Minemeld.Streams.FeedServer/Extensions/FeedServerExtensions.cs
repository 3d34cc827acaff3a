using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Endpoints;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.FeedServer.Lists;
using Minemeld.Streams.FeedServer.Status;
using Minemeld.Streams.FeedServer.Taxii;
using Minemeld.Streams.FeedServer.WebConsole;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Extensions;

/// <summary>Wiring of the feed server (also hosted in process by <c>minemeld run</c>).</summary>
public static class FeedServerExtensions
{
    public static IHostApplicationBuilder AddFeedServer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<FeedServerOptions>().BindConfiguration(FeedServerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(static sp => sp.GetRequiredService<GraphProvider>().Graph);
        services.AddSingleton(static sp => PrototypeLibrary.Create(sp.GetRequiredService<IOptions<GraphOptions>>().Value.PrototypeDirectories));
        services.AddSingleton(static sp => new UsersFile(LoadUsers(sp)));
        services.AddSingleton(static sp => sp.GetRequiredService<IStateStore>().Access(sp.GetRequiredService<NodeGraph>().Name));
        services.AddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<FeedServerOptions>>();
            var token = options.Value.AdminTokenVariable is { Length: > 0 } variable ? Environment.GetEnvironmentVariable(variable) : null;
            return new AccessDirectory(
                sp.GetRequiredService<IAccessStore>(),
                sp.GetRequiredService<UsersFile>().Config?.FeedsAuthEnabled ?? false,
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<AccessDirectory>>())
            {
                AdminTokenDigest = token is { Length: > 0 } ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null,
            };
        });
        services.AddSingleton(static sp => new AccessSeeder(
            sp.GetRequiredService<UsersFile>().Config, sp.GetRequiredService<IAccessStore>(), sp.GetRequiredService<AccessDirectory>(), sp.GetRequiredService<ILogger<AccessSeeder>>()));
        services.AddHostedService(static sp => sp.GetRequiredService<AccessSeeder>());
        services.AddSingleton<IReadinessCheck, AccessReadiness>();
        services.AddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<FeedServerOptions>>().Value;
            return sp.GetRequiredService<IStateStore>().FeedReader(
                sp.GetRequiredService<NodeGraph>().Name, new FeedReadOptions(options.AtomicReadLimit, options.SnapshotTtlSeconds));
        });
        services.AddSingleton<FeedRenderCache>();
        services.AddSingleton<FeedRenderAhead>();
        services.AddHostedService(static sp => sp.GetRequiredService<FeedRenderAhead>());
        services.AddSingleton<FeedResponder>();
        services.AddSingleton<LocalListCatalog>();
        services.AddSingleton<NodeStatusReader>();
        services.AddSingleton<ConsoleAssets>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<NodeStatusHistory>();
        services.AddHostedService(static sp => sp.GetRequiredService<NodeStatusHistory>());
        return builder;
    }

    public static WebApplication MapFeedServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapFeedEndpoints();
        app.MapAaaEndpoints();
        app.MapConfigDataEndpoints();
        app.MapListEndpoints();
        app.MapStatusEndpoints();
        app.MapPrototypeEndpoints();
        app.MapValidateEndpoints();
        app.MapConsoleEndpoints();
        app.MapTaxiiEndpoints();
        return app;
    }

    /// <summary>
    /// The users file: FeedServer:UsersPath, else <c>&lt;graph&gt;.users.yml</c> next to the graph when it exists.
    /// </summary>
    private static AccessConfig? LoadUsers(IServiceProvider services)
    {
        var graph = services.GetRequiredService<NodeGraph>();
        var graphPath = services.GetRequiredService<IOptions<GraphOptions>>().Value.Path;
        var configured = services.GetRequiredService<IOptions<FeedServerOptions>>().Value.UsersPath;
        var path = configured is { Length: > 0 } ? configured : Path.ChangeExtension(graphPath, ".users.yml");
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Minemeld.Streams.FeedServer.Users");
        if (!File.Exists(path))
        {
            if (configured is { Length: > 0 })
            {
                throw new FileNotFoundException($"users file {path} (FeedServer:UsersPath) does not exist", path);
            }

            UsersFileLog.Missing(logger, path);
            return null;
        }

        var (config, diagnostics) = AccessConfigLoader.Parse(File.ReadAllText(path), path, graph);
        foreach (var warning in diagnostics.Where(static d => !d.IsError))
        {
            UsersFileLog.Warning(logger, warning.ToString());
        }

        return config ?? throw new InvalidOperationException(
            $"users file {path} is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics.Where(static d => d.IsError))}");
    }
}
