using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using static Minemeld.Streams.UnitTests.Core.Graph.GraphText;

namespace Minemeld.Streams.UnitTests.Core.Graph;

public sealed class MineMeldCompatibilityTests
{
    /// <summary>A committed-config.yml as MineMeld 0.9.70 writes it (fabric and mgmtbus included) loads unchanged.</summary>
    [Fact]
    public void CommittedConfigLoadsUnchanged()
    {
        const string committed = """
            fabric:
              class: ZMQRedis
              config:
                num_connections: 50
            mgmtbus:
              transport:
                class: ZMQRedis
            nodes:
              dshield_blocklist:
                inputs: []
                output: true
                prototype: dshield.block
              spamhaus_DROP:
                inputs: []
                output: true
                prototype: spamhaus.DROP
              spamhaus_EDROP:
                inputs: []
                output: true
                prototype: spamhaus.EDROP
              wlWhiteListIPv4:
                inputs: []
                output: true
                prototype: stdlib.listIPv4Generic
              inboundaggregator:
                inputs:
                - dshield_blocklist
                - spamhaus_DROP
                - spamhaus_EDROP
                - wlWhiteListIPv4
                output: true
                prototype: stdlib.aggregatorIPv4Inbound
              inboundfeedhc:
                inputs:
                - inboundaggregator
                output: false
                prototype: stdlib.feedHCGreen
              urlhaus:
                class: minemeld.ft.http.HttpFT
                config:
                  age_out:
                    default: null
                    interval: 257
                    sudden_death: true
                  attributes:
                    confidence: 100
                    share_level: green
                    type: URL
                  ignore_regex: ^#
                  source_name: urlhaus.URL
                  url: https://urlhaus.abuse.ch/downloads/text/
                inputs: []
                output: true
              urlaggregator:
                inputs: [urlhaus]
                output: true
                prototype: stdlib.aggregatorURL
              urlfeed:
                inputs: [urlaggregator]
                output: false
                prototype: stdlib.feedHCGreenWithValue
                config:
                  max_entries: 50000
            """;
        var result = Load(committed);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        Assert.Empty(result.Warnings);
        var graph = result.Graph!;
        Assert.Equal(9, graph.Nodes.Count);
        Assert.Equal(NodeClassRegistry.AggregateIPv4FT, graph["inboundaggregator"].ClassName);
        Assert.Equal(["dshield_blocklist", "spamhaus_DROP", "spamhaus_EDROP", "wlWhiteListIPv4"], graph["inboundaggregator"].Inputs);
        Assert.Equal(50000, graph["urlfeed"].Config["max_entries"]!.GetValue<long>());
        Assert.True(graph["urlfeed"].Config["store_value"]!.GetValue<bool>());
    }

    /// <summary>
    /// MineMeld's stock graphs (graphs/minemeld/, written from the committed-config.yml its Ansible playbook and its
    /// Docker image installed, and from the graph its own end-to-end test built) load as MineMeld ran them: every
    /// node, its class from the prototype, its inputs; the only warnings are the output: true its test set on feeds.
    /// </summary>
    [Theory]
    [InlineData("ansible-default.yml", "stdlib.aggregatorIPv4Inbound", "stdlib.listIPv4Generic")]
    [InlineData("docker-default.yml", "stdlib.aggregatorIPv4Generic", "stdlib.localDB")]
    public void MineMeldsStockGraphLoads(string file, string aggregator, string whitelist)
    {
        var result = GraphLoader.LoadFile(Path.Combine(RepositoryPaths.Graphs, "minemeld", file), PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        Assert.Empty(result.Warnings);
        var graph = result.Graph!;
        Assert.Equal(
            ["dshield_blocklist", "inboundaggregator", "inboundfeedhc", "inboundfeedlc", "inboundfeedmc", "spamhaus_DROP", "spamhaus_EDROP", "wlWhiteListIPv4"],
            graph.Nodes.Select(static n => n.Name).Order(StringComparer.Ordinal));
        Assert.Equal(aggregator, graph["inboundaggregator"].Prototype);
        Assert.Equal(["spamhaus_DROP", "spamhaus_EDROP", "dshield_blocklist", "wlWhiteListIPv4"], graph["inboundaggregator"].Inputs);
        Assert.Equal(whitelist, graph["wlWhiteListIPv4"].Prototype);
        Assert.Equal("https://www.dshield.org/block.txt", graph["dshield_blocklist"].Config["url"]!.GetValue<string>());
        foreach (var (feed, band) in new[] { ("inboundfeedhc", "confidence >= 75"), ("inboundfeedmc", "confidence >= 50"), ("inboundfeedlc", "confidence < 50") })
        {
            Assert.Equal(NodeClassRegistry.RedisSet, graph[feed].ClassName);
            Assert.Equal(["inboundaggregator"], graph[feed].Inputs);
            var conditions = graph[feed].Config["infilters"]!.AsArray().SelectMany(static r => r!["conditions"]?.AsArray() ?? []).Select(static c => c!.GetValue<string>());
            Assert.Contains(band, conditions);
        }

        // The whitelist is one: its name starts with the aggregator's whitelist prefix.
        Assert.Contains(graph["inboundaggregator"].Config["whitelist_prefixes"]!.AsArray(), static p => "wlWhiteListIPv4".StartsWith(p!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public void MineMeldsIntegrationTestGraphLoadsWithItsFeedsOutputFlagIgnored()
    {
        var result = GraphLoader.LoadFile(Path.Combine(RepositoryPaths.Graphs, "minemeld", "integration-basic.yml"), PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        Assert.Equal(["DomainHC", "IPv4HC", "URLHC"], result.Warnings.Select(static w => w.Node!).Order(StringComparer.Ordinal));
        Assert.All(result.Warnings, static w => Assert.Equal("output", w.Key));
        var graph = result.Graph!;
        foreach (var (aggregator, feed) in new[] { ("URLAggregator", "URLHC"), ("DomainAggregator", "DomainHC"), ("IPv4Aggregator", "IPv4HC") })
        {
            Assert.Equal(["localdb"], graph[aggregator].Inputs);
            Assert.Equal([aggregator], graph[feed].Inputs);
            Assert.True(graph[feed].Config["store_value"]!.GetValue<bool>());
        }

        Assert.Equal(NodeClassRegistry.LocalDbMiner, graph["localdb"].ClassName);
    }

    /// <summary>
    /// A graph from before MineMeld 0.9 (its early examples: node settings under args, DShield's own class) does not
    /// load, and says what to change: args is config now, the DShield class is the dshield.block prototype.
    /// </summary>
    [Fact]
    public void AGraphFromBeforeMineMeld09SaysWhatToRename()
    {
        var result = Load("""
            nodes:
              dshield_blocklist:
                class: minemeld.ft.dshield.DshieldBlockList
                output: true
                args: {interval: 600}
              spamhaus_DROP:
                class: minemeld.ft.http.HttpFT
                output: true
                args:
                  url: http://www.spamhaus.org/drop/drop.txt
                  source_name: http://www.spamhaus.org/drop/drop.txt
                  cchar: ;
            """);
        Assert.Equal(["dshield_blocklist", "spamhaus_DROP"], result.Warnings.Where(static w => w.Key == "args").Select(static w => w.Node!));
        Assert.All(result.Warnings, static w => Assert.Contains("rename it to config", w.Message, StringComparison.Ordinal));
        var errors = Errors(result);
        Assert.Contains(errors, static e => e.Contains("minemeld.ft.dshield.DshieldBlockList", StringComparison.Ordinal) && e.Contains("dshield.block", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("url is required", StringComparison.Ordinal));
    }

    /// <summary>A vendor class that is not implemented is refused naming itself, why, and a class that runs instead.</summary>
    [Theory]
    [InlineData("minemeld.ft.anomali.Intelligence")]
    [InlineData("minemeld.ft.phishme.Intelligence")]
    [InlineData("minemeld.ft.cofense.Triage")]
    [InlineData("minemeld.ft.threatconnect.IndicatorsMiner")]
    [InlineData("minemeld.ft.threatconnect.GroupsMiner")]
    [InlineData("minemeld.ft.tmt.DTIAPI")]
    [InlineData("minemeld.ft.cif.Feed")]
    [InlineData("minemeld.ft.taxii.DataFeed")]
    [InlineData("minemeld.ft.google.GoogleSPF")]
    public void AnUnimplementedVendorClassIsRefusedWithWhatToUseInstead(string className)
    {
        var result = Load($"nodes:\n  vendor: {{class: {className}, output: true}}\n");
        var error = Assert.Single(result.Errors);
        Assert.Contains(className, error.Message, StringComparison.Ordinal);
        var alternatives = System.Text.RegularExpressions.Regex.Matches(error.Message, @"minemeld\.ft\.[a-z0-9_]+\.[A-Za-z0-9]+").Select(static m => m.Value).Where(c => c != className).ToList();
        Assert.Contains(alternatives, static c => NodeClassRegistry.TryGet(c, out _));
    }

    /// <summary>MineMeld's test_prototype_1: a node with only a prototype takes its class and config.</summary>
    [Fact]
    public void PrototypeSuppliesClassAndConfig()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "testproto.yml"), """
            description: test
            prototypes:
              test:
                class: minemeld.ft.http.HttpFT
                config:
                  url: https://example.org/list.txt
                  useless1: 1
            """);
        var library = PrototypeLibrary.Create([dir.Path], useEnvironment: false);
        var result = Load("nodes:\n  n: {prototype: testproto.test, output: true}\n", library);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        Assert.Equal("minemeld.ft.http.HttpFT", result.Graph!["n"].ClassName);
        Assert.Equal(1, result.Graph["n"].Config["useless1"]!.GetValue<long>());
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("config.useless1", warning.Key);
        Assert.Contains("testproto.yml", warning.Location.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void UserDirectoriesOverrideTheBuiltInLibraryAndSplitAtTheLastDot()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "spamhaus.yml"), "prototypes:\n  DROP:\n    class: minemeld.ft.http.HttpFT\n    config: {url: 'https://mirror.example/drop.txt'}\n");
        File.WriteAllText(Path.Combine(dir.Path, "acme.threat.yml"), "prototypes:\n  list:\n    class: minemeld.ft.local.YamlIPv4FT\n  noclass:\n    config: {}\n");
        var library = PrototypeLibrary.Create([dir.Path], useEnvironment: false);
        Assert.True(library.TryResolve("spamhaus.DROP", out var drop, out _));
        Assert.Equal("https://mirror.example/drop.txt", drop.Config["url"]!.GetValue<string>());
        Assert.True(library.TryResolve("spamhaus.EDROP", out var edrop, out _), "a prototype missing from the override file falls through to the built-in one");
        Assert.Equal("https://www.spamhaus.org/drop/edrop.txt", edrop.Config["url"]!.GetValue<string>());
        Assert.True(library.TryResolve("acme.threat.list", out var list, out _));
        Assert.Equal("acme.threat", list.Library);
        Assert.False(library.TryResolve("acme.threat.noclass", out _, out _), "a prototype without class is skipped");
        Assert.Contains(library.LoadProblems(), static p => p.Contains("noclass", StringComparison.Ordinal));
    }

    private sealed class TempDirectory : IDisposable
    {
        public TempDirectory() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mm-test-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
