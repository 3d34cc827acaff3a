using System.Text;
using Microsoft.Extensions.Hosting;
using Minemeld.Streams.Hosting.Configuration;
using Minemeld.Streams.Hosting.Extensions;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>The YAML host-config provider (docs/architecture.md, "Conventions in the code") and where it sits among the configuration sources.</summary>
public sealed class YamlConfigurationTests
{
    private static Dictionary<string, string?> Parse(string yaml) =>
        YamlConfigurationParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(yaml)), "svc.yaml");

    [Fact]
    public void MappingsNestSequencesNumberAndScalarsKeepTheirText()
    {
        var data = Parse("""
            Kafka:
              BootstrapServers: "kafka:9092"
              LingerMs: 7
              Librdkafka:
                security.protocol: SASL_SSL
            Graph:
              PrototypeDirectories: [/etc/a, /etc/b]
            FeedServer:
              Users:
                - {Name: x, Tags: [premium]}
              AdminTokenVariable: ~
              Note: 'null'
              Empty:
            """);
        Assert.Equal(new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Kafka:BootstrapServers"] = "kafka:9092",
            ["Kafka:LingerMs"] = "7",
            ["Kafka:Librdkafka:security.protocol"] = "SASL_SSL",
            ["Graph:PrototypeDirectories:0"] = "/etc/a",
            ["Graph:PrototypeDirectories:1"] = "/etc/b",
            ["FeedServer:Users:0:Name"] = "x",
            ["FeedServer:Users:0:Tags:0"] = "premium",
            ["FeedServer:AdminTokenVariable"] = null,
            ["FeedServer:Note"] = "null", // quoted: the text, not null
            ["FeedServer:Empty"] = null,
        }, data);
        Assert.Empty(Parse(string.Empty));
        Assert.Empty(Parse("# only a comment\n"));
    }

    [Theory]
    [InlineData("Kafka:\n  LingerMs: [1\n", "svc.yaml:", "invalid YAML")]
    [InlineData("- a\n- b\n", "svc.yaml:1:1:", "top level must be a mapping")]
    [InlineData("Kafka:\n  lingerms: 1\n  LingerMs: 2\n", "svc.yaml:3:13:", "'Kafka:LingerMs' is set twice")]
    [InlineData("a: 1\n---\nb: 2\n", "svc.yaml:", "2 YAML documents")]
    public void BadFilesNameTheFileAndPlace(string yaml, string where, string what)
    {
        var error = Assert.Throws<FormatException>(() => Parse(yaml));
        Assert.StartsWith(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNamedFileSitsBetweenTheDefaultsAndTheOverrides()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mm-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "Kafka: {LingerMs: 7, Compression: zstd}\nRedis: {Configuration: 'file:6379'}\n");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = [$"--{HostingExtensions.ConfigVariable}={file}", "--Kafka:LingerMs=11"],
            });
            builder.AddMinemeldDefaults();
            Assert.Equal("zstd", builder.Configuration["Kafka:Compression"]); // from the file
            Assert.Equal("file:6379", builder.Configuration["Redis:Configuration"]);
            Assert.Equal("11", builder.Configuration["Kafka:LingerMs"]); // the command line beats the file
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ANamedFileThatIsMissingStopsTheHost()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"mm-missing-{Guid.NewGuid():N}.yaml");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [$"--{HostingExtensions.ConfigVariable}={missing}"] });
        var error = Assert.Throws<FileNotFoundException>(() => builder.AddMinemeldDefaults());
        Assert.Contains(Path.GetFileName(missing), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInvalidFileStopsTheHostNamingThePlace()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mm-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "Kafka:\n  - 1\n  LingerMs: 2\n");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [$"--{HostingExtensions.ConfigVariable}={file}"] });
            var error = Assert.ThrowsAny<Exception>(() => builder.AddMinemeldDefaults());
            Assert.Contains($"{file}:", (error.InnerException ?? error).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
