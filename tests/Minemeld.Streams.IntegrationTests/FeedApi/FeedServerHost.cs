using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Minemeld.Streams.FeedServer;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>
/// The real feed server (its Program) in process over a real Redis, for one graph written to a temporary directory
/// under a unique name (so its keys are the test's own). Feeds are filled through the output worker's own store.
/// </summary>
internal sealed class FeedServerHost : WebApplicationFactory<FeedServerOptions>
{
    private readonly string _directory;
    private readonly string _redis;
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;

    private FeedServerHost(string directory, string graphName, string redis, Dictionary<string, string?> settings, TimeProvider? time, Action<IServiceCollection>? services)
    {
        _services = services;
        _directory = directory;
        GraphName = graphName;
        _redis = redis;
        _settings = settings;
        _time = time;
    }

    private readonly Action<IServiceCollection>? _services;

    public string GraphName { get; }

    public static async Task<FeedServerHost> StartAsync(
        RedisFixture redis, string graphYaml, string? usersYaml, Dictionary<string, string?>? settings = null, TimeProvider? time = null, string? redisConfiguration = null,
        Action<IServiceCollection>? services = null)
    {
        var name = "fs" + Guid.NewGuid().ToString("N")[..10];
        var directory = Path.Combine(Path.GetTempPath(), "minemeld-feedserver-tests", name);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.yml"), graphYaml.Replace("name: demo", $"name: {name}", StringComparison.Ordinal));
        if (usersYaml is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.users.yml"), usersYaml);
        }

        var host = new FeedServerHost(directory, name, redisConfiguration ?? await redis.EndpointAsync(), settings ?? [], time, services);
        _ = host.Server; // build and start now
        if (usersYaml is not null && redisConfiguration is null)
        {
            await host.Services.GetRequiredService<Minemeld.Streams.FeedServer.Access.AccessSeeder>().Seeded.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return host;
    }

    public IConnectionMultiplexer Redis => Services.GetRequiredService<IConnectionMultiplexer>();

    /// <summary>The state store the server uses.</summary>
    public IStateStore Store => Services.GetRequiredService<IStateStore>();

    /// <summary>Writes feed members through the output worker's store (values verbatim, score = last_seen).</summary>
    public Task FillAsync(string feed, IEnumerable<(string Indicator, double Score, string? Value)> entries) =>
        Store.Feed(GraphName, feed).ApplyAsync([.. entries.Select(static e => new FeedChange(e.Indicator, true, e.Score, e.Value))], null, TestContext.Current.CancellationToken);

    public HttpClient Client(string? user = null, string? password = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.ConfigureAppConfiguration((_, configuration) =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Graph:Path"] = Path.Combine(_directory, $"{GraphName}.yml"),
                ["Redis:Configuration"] = _redis,
                ["FeedServer:CacheDirectory"] = Path.Combine(_directory, "cache"),
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in _settings)
            {
                values[key] = value;
            }

            configuration.AddInMemoryCollection(values);
        });
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }

        if (_time is not null)
        {
            builder.ConfigureServices(services => services.AddSingleton(_time));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
