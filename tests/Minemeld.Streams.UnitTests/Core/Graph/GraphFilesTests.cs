using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Graph;

/// <summary>Every file under graphs/ loads and validates; users files validate against their graph.</summary>
public sealed class GraphFilesTests
{
    public static TheoryData<string> GraphFiles() =>
        [.. Directory.EnumerateFiles(RepositoryPaths.Graphs, "*.yml").Where(static f => !f.EndsWith(".users.yml", StringComparison.Ordinal)).Select(static f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> UsersFiles() =>
        [.. Directory.EnumerateFiles(RepositoryPaths.Graphs, "*.users.yml").Select(static f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(GraphFiles))]
    public void GraphFileIsValid(string file)
    {
        var result = GraphLoader.LoadFile(Path.Combine(RepositoryPaths.Graphs, file), PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [MemberData(nameof(UsersFiles))]
    public void UsersFileIsValidForItsGraph(string file)
    {
        var graphFile = Path.Combine(RepositoryPaths.Graphs, file.Replace(".users.yml", ".yml", StringComparison.Ordinal));
        var graph = GraphLoader.LoadFile(graphFile, PrototypeLibrary.BuiltIn).Graph;
        Assert.NotNull(graph);
        var (config, diagnostics) = AccessConfigLoader.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, file)), file, graph);
        Assert.NotNull(config);
        Assert.DoesNotContain(diagnostics, static d => d.IsError);
        foreach (var feed in graph.Nodes.Where(static n => n.Kind == NodeKind.Output))
        {
            Assert.True(config.FeedTags.ContainsKey(feed.Name), $"feed {feed.Name} has tags");
        }
    }

    [Fact]
    public void SeedScenarioGrowsFromBaseToPremiumToCustomerA()
    {
        NodeGraph LoadGraph(string name) => GraphLoader.LoadFile(Path.Combine(RepositoryPaths.Graphs, name), PrototypeLibrary.BuiltIn).Graph!;
        var base_ = LoadGraph("base-offering.yml");
        var premium = LoadGraph("premium-offering.yml");
        var customer = LoadGraph("customer-a.yml");
        var demo = LoadGraph("demo.yml");
        Assert.Equal(["spamhaus_DROP", "spamhaus_EDROP", "dshield_blocklist"], base_["myBaseOffering"].Inputs);
        Assert.Contains("tor_exit_nodes", premium["myPremiumOffering"].Inputs);
        Assert.Equal("stdlib.listIPv4Generic", customer["bucketCustomerA"].Prototype);
        Assert.Equal(NodeClassRegistry.AggregateIPv4FT, customer["customerA"].ClassName);
        Assert.Equal("stdlib.aggregatorIPv4Inbound", customer["customerA"].Prototype);
        Assert.Equal(
            customer.Nodes.Select(static n => (n.Name, n.Prototype, string.Join(',', n.Inputs))),
            demo.Nodes.Select(static n => (n.Name, n.Prototype, string.Join(',', n.Inputs))));
    }

    [Fact]
    public void DemoMinersReadFixturesThatExistInTheFeedsFormats()
    {
        var demo = GraphLoader.LoadFile(Path.Combine(RepositoryPaths.Graphs, "demo.yml"), PrototypeLibrary.BuiltIn).Graph!;
        foreach (var miner in demo.Nodes.Where(static n => n.Kind == NodeKind.Miner && n.Config["url"] is not null))
        {
            var url = miner.Config["url"]!.GetValue<string>();
            Assert.StartsWith("file:", url, StringComparison.Ordinal);
            var path = Path.Combine(RepositoryPaths.Graphs, url["file:".Length..]);
            Assert.True(File.Exists(path), $"{miner.Name}: {path} exists");
        }

        var dshield = File.ReadAllLines(Path.Combine(RepositoryPaths.Graphs, "fixtures", "dshield-block.txt"));
        Assert.Contains(dshield, static l => l.Split('\t').Length == 7 && IPRangeParser.TryParse(l.Split('\t')[0], out _, out _));
    }
}
