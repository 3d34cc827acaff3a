using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.Configuration;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Memory;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Runtime;
using Minemeld.Streams.Hosting.State;
using Prometheus;
using StackExchange.Redis;

namespace Minemeld.Streams.Hosting.Extensions;

/// <summary>Service defaults every worker calls first (docs/architecture.md, "Conventions in the code").</summary>
public static class HostingExtensions
{
    /// <summary>
    /// Time given to handlers and consumer Close() at shutdown; compose's stop_grace_period must exceed it.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);

    /// <summary>The variable (or configuration key) naming the YAML host-config file.</summary>
    public const string ConfigVariable = "MINEMELD_CONFIG";

    public static IHostApplicationBuilder AddMinemeldDefaults(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddConfigurationSources(builder);
        // /metrics carries the runtime's public meters (Kestrel, HttpClient, the GC...) but not the private
        // diagnostics the runtime keeps for itself (96 series of msquic internals, always 0 here).
        Prometheus.Metrics.ConfigureMeterAdapter(static options =>
            options.InstrumentFilterPredicate = static instrument => !instrument.Meter.Name.StartsWith("Private.InternalDiagnostics.", StringComparison.Ordinal));
        var services = builder.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GraphOptions>().BindConfiguration(GraphOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);
            options.AbortOnConnectFail = false; // start even when Redis is late; readiness reports it
            return ConnectionMultiplexer.Connect(options);
        });
        // Workers always share Redis. Only a process that runs the whole graph may keep its state in memory
        // (UseMemoryStateStore): a lone feed server on a memory store would serve empty feeds as if they were real.
        services.AddSingleton<IStateStore>(static sp => new RedisStateStore(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<IKafkaClientFactory, KafkaClientFactory>();
        services.AddSingleton<MessagePublisher>();
        services.AddSingleton<GraphProvider>();
        services.AddSingleton<ITopicProvisioner>(static sp => sp.GetRequiredService<IOptions<KafkaOptions>>().Value.CreateTopics
            ? new AdminTopicProvisioner(sp.GetRequiredService<IKafkaClientFactory>())
            : new ExistingTopics());
        return builder;
    }

    /// <summary>
    /// Host configuration, later sources winning (docs/architecture.md, "Conventions in the code"): the builder's
    /// defaults (appsettings.json, environment, command line), then the YAML file named by <c>MINEMELD_CONFIG</c> (an
    /// error when missing) or, optionally, <c>config/&lt;service&gt;.yaml</c>, then the environment (also with the
    /// <c>MINEMELD_</c> prefix) and the command line again, so that what compose or an operator sets beats the file.
    /// </summary>
    private static void AddConfigurationSources(IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var commandLine = configuration.Sources.OfType<Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource>().LastOrDefault();
        var named = configuration[ConfigVariable];
        if (named is { Length: > 0 })
        {
            configuration.AddYamlFile(Path.GetFullPath(named), optional: false);
        }
        else
        {
            var service = builder.Environment.ApplicationName.Split('.')[^1].ToLowerInvariant();
            configuration.AddYamlFile(Path.GetFullPath(Path.Combine("config", $"{service}.yaml")), optional: true);
        }

        configuration.AddEnvironmentVariables();
        configuration.AddEnvironmentVariables("MINEMELD_");
        if (commandLine is not null)
        {
            configuration.Add(new Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource { Args = commandLine.Args, SwitchMappings = commandLine.SwitchMappings });
        }
    }

    /// <summary>
    /// Keeps the state in this process's memory instead of Redis (no Redis connection is made). Only for a process
    /// that runs every role of the graph and its feed server, as <c>minemeld run</c> does without <c>--redis</c>.
    /// </summary>
    public static IServiceCollection UseMemoryStateStore(this IServiceCollection services)
    {
        services.AddSingleton<IStateStore>(static sp => new MemoryStateStore(sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Runs this process's roles of the graph (Graph:Roles).</summary>
    public static IServiceCollection AddGraphRuntime(this IServiceCollection services, string? roles = null)
    {
        if (roles is not null)
        {
            services.PostConfigure<GraphOptions>(o => o.Roles = roles);
        }

        services.AddSingleton<GraphRuntimeService>();
        services.AddHostedService(static sp => sp.GetRequiredService<GraphRuntimeService>());
        // A syslog receiver when Syslog:Listen names endpoints (it does nothing otherwise).
        services.AddOptions<Syslog.SyslogOptions>().BindConfiguration(Syslog.SyslogOptions.SectionName);
        services.AddSingleton<Syslog.SyslogReceiverService>();
        services.AddHostedService(static sp => sp.GetRequiredService<Syslog.SyslogReceiverService>());
        services.AddSingleton<IReadinessCheck, GraphRuntimeReadiness>();
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> (Prometheus), <c>/healthz</c> (alive), <c>/readyz</c> (state store reachable and every
    /// registered <see cref="IReadinessCheck"/> content).
    /// </summary>
    public static WebApplication MapManagementEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMetrics("/metrics");
        app.MapGet("/healthz", static () => Results.Text("ok\n"));
        app.MapGet("/readyz", static (IStateStore store, IEnumerable<IReadinessCheck> checks) =>
        {
            var problems = new List<string>();
            if (!store.IsConnected)
            {
                problems.Add($"state store ({store.Description}): not connected");
            }

            problems.AddRange(checks.SelectMany(static c => c.Problems()));
            return problems.Count == 0
                ? Results.Text("ready\n")
                : Results.Text(string.Join('\n', problems) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
