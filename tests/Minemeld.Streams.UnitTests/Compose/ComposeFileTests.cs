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

    private static readonly JsonObject Compose = (JsonObject)YamlDocument.Load(Path.Combine(ComposeDirectory, "docker-compose.yml")).Root!;

    private static IEnumerable<(string Name, JsonObject Service)> Built() =>
        Compose["services"]!.AsObject().Where(static s => s.Value!["build"] is not null).Select(static s => (s.Key, s.Value!.AsObject()));

    [GeneratedRegex("""ENTRYPOINT \["dotnet", "(?<dll>[^"]+)\.dll"\]""")]
    private static partial Regex Entrypoint();

    [Fact]
    public void EveryBuiltServiceHasAMultiStageDockerfileOfItsOwnProject()
    {
        Assert.Equal(["aggregator", "feedserver", "miner", "output"], Built().Select(static s => s.Name).Order(StringComparer.Ordinal));
        foreach (var (name, service) in Built())
        {
            var context = Path.GetFullPath(Path.Combine(ComposeDirectory, service["build"]!["context"]!.GetValue<string>()));
            var dockerfile = Path.Combine(context, service["build"]!["dockerfile"]!.GetValue<string>());
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} is missing");
            var project = Path.GetFileName(Path.GetDirectoryName(dockerfile)!);
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(dockerfile)!, $"{project}.csproj")), $"{name}: the Dockerfile is not in a project folder");
            var text = File.ReadAllText(dockerfile);
            Assert.Equal(2, Regex.Count(text, "^FROM ", RegexOptions.Multiline));
            Assert.Contains($"services/{project}/{project}.csproj", text, StringComparison.Ordinal);
            Assert.Equal(project, Entrypoint().Match(text).Groups["dll"].Value);
            Assert.Contains("EXPOSE 8080", text, StringComparison.Ordinal);
            foreach (var copied in Regex.Matches(text, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline).SelectMany(static m => m.Groups[1].Value.Split(' ')))
            {
                Assert.True(File.Exists(Path.Combine(context, copied)) || Directory.Exists(Path.Combine(context, copied)), $"{name}: COPY {copied} does not exist in the build context");
            }
        }
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
            Assert.Contains($"http://localhost:{port}/healthz", service["healthcheck"]!["test"]!.AsArray().Select(static t => t!.GetValue<string>()));
            foreach (var mapping in service["ports"]?.AsArray() ?? [])
            {
                Assert.EndsWith($":{port}", mapping!.GetValue<string>(), StringComparison.Ordinal);
            }

            var grace = service["stop_grace_period"]!.GetValue<string>();
            Assert.True(TimeSpan.FromSeconds(int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)) > HostingExtensions.ShutdownTimeout, $"{name}: stop_grace_period {grace} must exceed the shutdown budget");
            Assert.Contains("../graphs:/etc/minemeld/graphs:ro", service["volumes"]!.AsArray().Select(static v => v!.GetValue<string>()));
        }

        Assert.Equal("8080", Compose["services"]!["feedserver"]!["ports"]![0]!.GetValue<string>().Split(':')[^1]);
        Assert.Contains("--appendonly", Compose["services"]!["redis"]!["command"]!.AsArray().Select(static c => c!.GetValue<string>()));
        Assert.Equal("broker,controller", Compose["services"]!["kafka"]!["environment"]!["KAFKA_PROCESS_ROLES"]!.GetValue<string>());
        Assert.StartsWith("apache/kafka:", Compose["services"]!["kafka"]!["image"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheMountedGraphAndUsersFileAreValidAndEnvExampleSetsEveryPassword()
    {
        var example = File.ReadAllLines(Path.Combine(ComposeDirectory, ".env.example")).Where(static l => l.Contains('=') && !l.StartsWith('#')).Select(static l => l[..l.IndexOf('=')]).ToHashSet();
        foreach (var (name, service) in Built())
        {
            var path = GraphPath(service);
            var graph = GraphLoader.LoadFile(path, PrototypeLibrary.BuiltIn);
            Assert.True(graph.IsValid, $"{name}: {string.Join('\n', graph.Errors)}");
            foreach (var (variable, value) in service["environment"]!.AsObject())
            {
                foreach (Match reference in Regex.Matches(value!.GetValue<string>(), @"\$\{(\w+)"))
                {
                    Assert.Contains(reference.Groups[1].Value, example);
                }
            }
        }
    }

    private static string GraphPath(JsonObject service) =>
        Path.Combine(RepositoryPaths.Graphs, Path.GetFileName(service["environment"]!["Graph__Path"]!.GetValue<string>()));

    private static AccessConfig UsersFile(string graphPath)
    {
        var graph = GraphLoader.LoadFile(graphPath, PrototypeLibrary.BuiltIn).Graph;
        var path = Path.ChangeExtension(graphPath, ".users.yml");
        return AccessConfigLoader.Parse(File.ReadAllText(path), path, graph).Config!;
    }
}
