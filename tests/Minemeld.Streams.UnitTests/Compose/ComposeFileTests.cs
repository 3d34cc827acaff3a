using System.Reflection;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Yaml;
using Minemeld.Streams.FeedServer;
using Minemeld.Streams.Hosting.Extensions;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;

namespace Minemeld.Streams.UnitTests.Compose;

/// <summary>
/// compose/docker-compose.yml checked against the code (no Docker engine here): build contexts and Dockerfiles
/// exist and publish the right project, every environment variable is an option the service binds (or a password
/// variable its users file names), ports line up, the graph it mounts is valid, shutdown has time to finish.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string ComposeDirectory = Path.Combine(RepositoryPaths.Root, "compose");

    private static readonly Dictionary<string, Type> OptionSections = new(StringComparer.Ordinal)
    {
        [GraphOptions.SectionName] = typeof(GraphOptions),
        [KafkaOptions.SectionName] = typeof(KafkaOptions),
        [RedisOptions.SectionName] = typeof(RedisOptions),
        [FeedServerOptions.SectionName] = typeof(FeedServerOptions),
    };

    private static readonly JsonNode Dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(ComposeDirectory, "grafana", "dashboards", "minemeld.json")))!;

    private static readonly JsonObject Compose = (JsonObject)YamlDocument.Load(Path.Combine(ComposeDirectory, "docker-compose.yml")).Root!;

    private static IEnumerable<(string Name, JsonObject Service)> Built() =>
        Compose["services"]!.AsObject().Where(static s => s.Value!["build"] is not null).Select(static s => (s.Key, s.Value!.AsObject()));

    [Fact]
    public void EveryBuiltServiceBuildsItsOwnProjectFromTheOneDockerfile()
    {
        Assert.Equal(["aggregator", "feedserver", "miner", "output"], Built().Select(static s => s.Name).Order(StringComparer.Ordinal));
        var projects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, service) in Built())
        {
            var context = Path.GetFullPath(Path.Combine(ComposeDirectory, service["build"]!["context"]!.GetValue<string>()));
            var dockerfile = Path.Combine(context, service["build"]!["dockerfile"]!.GetValue<string>());
            Assert.Equal(Path.Combine(RepositoryPaths.Root, "services", "Dockerfile"), dockerfile);
            var argument = service["build"]!["args"]!["SERVICE"]!.GetValue<string>();
            var project = $"Minemeld.Streams.{argument}";
            Assert.True(File.Exists(Path.Combine(context, "services", project, $"{project}.csproj")), $"{name}: SERVICE={argument} names no project");
            Assert.DoesNotContain("<AssemblyName>", File.ReadAllText(Path.Combine(context, "services", project, $"{project}.csproj")), StringComparison.Ordinal);
            Assert.True(projects.Add(project), $"{name}: {project} is built by another service too");

            // What the recipe does with that argument: publish the project, run its dll as PID 1, on port 8080.
            var text = File.ReadAllText(dockerfile);
            Assert.Equal(2, Regex.Count(text, "^FROM ", RegexOptions.Multiline));
            Assert.Equal(2, Regex.Count(text, "^ARG SERVICE$", RegexOptions.Multiline)); // declared again in each stage that reads it
            Assert.Contains("RUN dotnet publish services/Minemeld.Streams.${SERVICE}/Minemeld.Streams.${SERVICE}.csproj", text, StringComparison.Ordinal);
            Assert.Contains("ENV MINEMELD_SERVICE=${SERVICE}", text, StringComparison.Ordinal);
            Assert.Contains("""ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"Minemeld.Streams.${MINEMELD_SERVICE}.dll\" \"$@\"", "--"]""", text, StringComparison.Ordinal);
            Assert.Contains("EXPOSE 8080", text, StringComparison.Ordinal);
            foreach (var copied in Regex.Matches(text, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline).SelectMany(static m => m.Groups[1].Value.Split(' ')))
            {
                Assert.True(File.Exists(Path.Combine(context, copied)) || Directory.Exists(Path.Combine(context, copied)), $"{name}: COPY {copied} does not exist in the build context");
            }
        }

        // No project folder keeps a recipe of its own that could drift from the shared one.
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "services"), "Dockerfile", SearchOption.AllDirectories), static f => Path.GetDirectoryName(f) != Path.Combine(RepositoryPaths.Root, "services"));
    }

    [Fact]
    public void EveryEnvironmentVariableIsAnOptionTheServiceBindsOrAPasswordItsUsersFileNames()
    {
        foreach (var (name, service) in Built())
        {
            var environment = service["environment"]!.AsObject();
            var allowed = new HashSet<string>(StringComparer.Ordinal) { "ASPNETCORE_HTTP_PORTS" };
            if (name == "feedserver")
            {
                allowed.Add(environment["FeedServer__AdminTokenVariable"]!.GetValue<string>());
                allowed.UnionWith(UsersFile(GraphPath(service)).FeedUsers.Concat(UsersFile(GraphPath(service)).AdminUsers)
                    .Select(static u => u.PasswordEnvironmentVariable).OfType<string>());
            }

            foreach (var (variable, _) in environment)
            {
                if (allowed.Contains(variable))
                {
                    continue;
                }

                var parts = variable.Split("__");
                Assert.True(parts.Length == 2, $"{name}: {variable} is neither Section__Key nor a known variable");
                Assert.True(OptionSections.TryGetValue(parts[0], out var options), $"{name}: no options section {parts[0]} ({variable})");
                Assert.True(name == "feedserver" || options != typeof(FeedServerOptions), $"{name}: only the feed server binds {parts[0]}");
                Assert.True(name != "feedserver" || options != typeof(KafkaOptions), "the feed server reads Redis only");
                Assert.NotNull(options.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance));
            }

            Assert.NotNull(environment["Graph__Path"]);
            Assert.NotNull(environment["Redis__Configuration"]);
            Assert.Equal(name != "feedserver", environment["Kafka__BootstrapServers"] is not null);
        }
    }

    [Fact]
    public void PortsHealthChecksAndShutdownLineUp()
    {
        foreach (var (name, service) in Built())
        {
            var port = service["environment"]!["ASPNETCORE_HTTP_PORTS"]!.GetValue<string>();
            Assert.Contains($"http://localhost:{port}/readyz", service["healthcheck"]!["test"]!.AsArray().Select(static t => t!.GetValue<string>()));

            // Any of them may be scaled: a fixed host port would clash at the second replica.
            Assert.True(service["ports"] is null, $"{name} publishes a port: it could not be scaled");

            var grace = service["stop_grace_period"]!.GetValue<string>();
            Assert.True(TimeSpan.FromSeconds(int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)) > HostingExtensions.ShutdownTimeout, $"{name}: stop_grace_period {grace} must exceed the shutdown budget");
            Assert.Contains("../graphs:/etc/minemeld/graphs:ro", service["volumes"]!.AsArray().Select(static v => v!.GetValue<string>()));
        }

        // The feed servers' one entry is the load balancer, which proxies to the service name (every replica).
        var feeds = Compose["services"]!["feeds"]!;
        Assert.Equal(["${FEED_PORT:-8080}:8080"], feeds["ports"]!.AsArray().Select(static p => p!.GetValue<string>()));
        var nginx = File.ReadAllText(Path.Combine(ComposeDirectory, "nginx", "feeds.conf"));
        Assert.Contains("./nginx/feeds.conf:/etc/nginx/conf.d/default.conf:ro", feeds["volumes"]!.AsArray().Select(static v => v!.GetValue<string>()));
        Assert.Contains("listen 8080;", nginx, StringComparison.Ordinal);
        Assert.Contains($"http://feedserver:{Compose["services"]!["feedserver"]!["environment"]!["ASPNETCORE_HTTP_PORTS"]!.GetValue<string>()};", nginx, StringComparison.Ordinal);
        Assert.Contains("resolver 127.0.0.11", nginx, StringComparison.Ordinal); // names looked up again as replicas come and go
        Assert.Contains("/readyz", string.Join(' ', feeds["healthcheck"]!["test"]!.AsArray().Select(static t => t!.GetValue<string>())), StringComparison.Ordinal);
        Assert.Contains("--appendonly", Compose["services"]!["redis"]!["command"]!.AsArray().Select(static c => c!.GetValue<string>()));
        Assert.Equal("broker,controller", Compose["services"]!["kafka"]!["environment"]!["KAFKA_PROCESS_ROLES"]!.GetValue<string>());
        Assert.StartsWith("apache/kafka:", Compose["services"]!["kafka"]!["image"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheMountedGraphAndUsersFileAreValidAndEnvExampleSetsEveryVariable()
    {
        var example = File.ReadAllLines(Path.Combine(ComposeDirectory, ".env.example")).Where(static l => l.Contains('=') && !l.StartsWith('#')).Select(static l => l[..l.IndexOf('=')]).ToHashSet();
        foreach (var (name, service) in Built())
        {
            var path = GraphPath(service);
            var graph = GraphLoader.LoadFile(path, PrototypeLibrary.BuiltIn);
            Assert.True(graph.IsValid, $"{name}: {string.Join('\n', graph.Errors)}");
        }

        // Every variable the file uses, in any service, is in the example (a required one would stop `up` otherwise).
        var text = File.ReadAllText(Path.Combine(ComposeDirectory, "docker-compose.yml"));
        foreach (Match reference in Regex.Matches(text, @"\$\{(\w+)"))
        {
            Assert.Contains(reference.Groups[1].Value, example);
        }
    }

    /// <summary>Debian's docker-compose 1.29 refuses a top-level <c>name:</c>; the file must load there too.</summary>
    [Fact]
    public void TheFileHasOnlyKeysDockerCompose129Knows()
    {
        Assert.Equal(["services", "volumes", "x-worker"], Compose.Select(static p => p.Key).Order(StringComparer.Ordinal));
    }

    /// <summary>A SIEM on the host reads Kafka through a listener of its own, advertised as the address it connects to.</summary>
    [Fact]
    public void KafkaHasAListenerForClientsOnTheHost()
    {
        var kafka = Compose["services"]!["kafka"]!;
        var environment = kafka["environment"]!;
        Assert.Contains("HOST://:9094", environment["KAFKA_LISTENERS"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("HOST://${KAFKA_HOST:-localhost}:${KAFKA_PORT:-9094}", environment["KAFKA_ADVERTISED_LISTENERS"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("PLAINTEXT://kafka:9092", environment["KAFKA_ADVERTISED_LISTENERS"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("HOST:PLAINTEXT", environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("PLAINTEXT", environment["KAFKA_INTER_BROKER_LISTENER_NAME"]!.GetValue<string>());
        Assert.Equal(["${KAFKA_PORT:-9094}:9094"], kafka["ports"]!.AsArray().Select(static p => p!.GetValue<string>()));
    }

    /// <summary>Prometheus finds every replica of every service by its name; Grafana gets its data source and the dashboard.</summary>
    [Fact]
    public void PrometheusScrapesEveryServiceAndGrafanaIsProvisioned()
    {
        var prometheus = (JsonObject)YamlDocument.Load(Path.Combine(ComposeDirectory, "prometheus", "prometheus.yml")).Root!;
        var scraped = prometheus["scrape_configs"]!.AsArray()
            .SelectMany(static job => job!["dns_sd_configs"]!.AsArray().SelectMany(static sd => sd!["names"]!.AsArray().Select(n => (Name: n!.GetValue<string>(), Port: sd["port"]!.GetValue<long>(), Type: sd["type"]!.GetValue<string>()))))
            .ToList();
        Assert.Equal(Built().Select(static s => s.Name).Order(StringComparer.Ordinal), scraped.Select(static s => s.Name).Order(StringComparer.Ordinal));
        foreach (var (name, port, type) in scraped)
        {
            Assert.Equal("A", type);
            Assert.Equal(Compose["services"]![name]!["environment"]!["ASPNETCORE_HTTP_PORTS"]!.GetValue<string>(), port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", Compose["services"]!["prometheus"]!["volumes"]!.AsArray().Select(static v => v!.GetValue<string>()));
        var grafana = Compose["services"]!["grafana"]!;
        var volumes = grafana["volumes"]!.AsArray().Select(static v => v!.GetValue<string>()).ToList();
        Assert.Contains("./grafana/provisioning:/etc/grafana/provisioning:ro", volumes);
        Assert.Contains("./grafana/dashboards:/var/lib/grafana/dashboards:ro", volumes);
        var provider = YamlDocument.Load(Path.Combine(ComposeDirectory, "grafana", "provisioning", "dashboards", "minemeld.yml")).Root!["providers"]![0]!;
        Assert.Equal("/var/lib/grafana/dashboards", provider["options"]!["path"]!.GetValue<string>());
        var source = YamlDocument.Load(Path.Combine(ComposeDirectory, "grafana", "provisioning", "datasources", "prometheus.yml")).Root!["datasources"]![0]!;
        Assert.Equal("http://prometheus:9090", source["url"]!.GetValue<string>());
        var uids = DashboardTargets().Select(static t => t.Panel["datasource"]!["uid"]!.GetValue<string>()).Distinct().ToList();
        Assert.Equal([source["uid"]!.GetValue<string>()], uids);
    }

    /// <summary>
    /// Every query of the dashboard names metrics the code exports (prometheus-net collectors in the services'
    /// assemblies), and groups or filters only by labels those metrics have: a renamed metric or label fails here,
    /// not on an operator's empty panel.
    /// </summary>
    [Fact]
    public void EveryDashboardQueryNamesExportedMetricsAndTheirLabels()
    {
        var exported = ExportedMetrics();
        Assert.Contains("minemeld_feed_requests_total", exported.Keys);
        Assert.Contains("minemeld_pipeline_consumer_lag_messages", exported.Keys);
        var queries = DashboardTargets().Select(static t => t.Expr).ToList();
        queries.AddRange(Dashboard["templating"]!["list"]!.AsArray().Select(static v => v!["query"]!["query"]!.GetValue<string>()));
        Assert.True(queries.Count >= 15, $"only {queries.Count} queries");
        foreach (var query in queries)
        {
            var named = Regex.Matches(query, @"\bminemeld_[a-z0-9_]+").Select(static m => m.Value).ToList();
            Assert.True(named.Count > 0, $"'{query}' names no metric of ours");
            var labels = new HashSet<string>(StringComparer.Ordinal);
            foreach (var metric in named)
            {
                var family = exported.Keys.FirstOrDefault(e => metric == e || (exported[e].Histogram && metric is var m && (m == e + "_bucket" || m == e + "_sum" || m == e + "_count")));
                Assert.True(family is not null, $"'{query}': {metric} is not exported by the code");
                labels.UnionWith(exported[family].Labels);
                if (metric.EndsWith("_bucket", StringComparison.Ordinal))
                {
                    labels.Add("le");
                }
            }

            var used = Regex.Matches(query, @"\b(?:by|without)\s*\(([^)]*)\)").SelectMany(static m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Concat(Regex.Matches(query, @"\{([^}]*)\}").SelectMany(static m => Regex.Matches(m.Groups[1].Value, @"(\w+)\s*(?:=~|!~|!=|=)").Select(static l => l.Groups[1].Value)))
                .Concat(Regex.Matches(query, @"label_values\([^,]+,\s*(\w+)\)").Select(static m => m.Groups[1].Value));
            foreach (var label in used)
            {
                Assert.True(labels.Contains(label), $"'{query}': no metric it names has the label {label} ({string.Join(", ", labels)})");
            }
        }
    }

    private static IEnumerable<(JsonObject Panel, string Expr)> DashboardTargets()
    {
        return Dashboard["panels"]!.AsArray().Select(static p => p!.AsObject()).Where(static p => p["targets"] is not null)
            .SelectMany(static p => p["targets"]!.AsArray().Select(t => (p, t!["expr"]!.GetValue<string>())));
    }

    /// <summary>The metric families of every static prometheus-net collector in the services' assemblies, with their labels.</summary>
    private static Dictionary<string, (string[] Labels, bool Histogram)> ExportedMetrics() =>
        new[] { typeof(FeedServerOptions).Assembly, typeof(KafkaOptions).Assembly }
            .SelectMany(static a => a.GetTypes())
            .SelectMany(static t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(static f => typeof(Prometheus.Collector).IsAssignableFrom(f.FieldType) && !f.DeclaringType!.ContainsGenericParameters)
            .Select(static f => (Prometheus.Collector)f.GetValue(null)!)
            .ToDictionary(static c => c.Name, static c => (c.LabelNames, c is Prometheus.Histogram), StringComparer.Ordinal);

    private static string GraphPath(JsonObject service) =>
        Path.Combine(RepositoryPaths.Graphs, Path.GetFileName(service["environment"]!["Graph__Path"]!.GetValue<string>()));

    private static AccessConfig UsersFile(string graphPath)
    {
        var graph = GraphLoader.LoadFile(graphPath, PrototypeLibrary.BuiltIn).Graph;
        var path = Path.ChangeExtension(graphPath, ".users.yml");
        return AccessConfigLoader.Parse(File.ReadAllText(path), path, graph).Config!;
    }
}
