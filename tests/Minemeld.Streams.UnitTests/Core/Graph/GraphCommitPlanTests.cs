using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.UnitTests.Core.Graph;

/// <summary>MineMeld's commit decisions (docs/minemeld-engine.md, "Commit: what a changed graph does to stored state") between a committed graph and the one about to run.</summary>
public sealed class GraphCommitPlanTests
{
    // Two components: a -> agg -> feed (with list miner b also into agg), and a lone list miner z -> zfeed.
    private const string Base = """
        name: g
        nodes:
          a: {prototype: stdlib.listIPv4Generic, output: true}
          b: {prototype: stdlib.listIPv4Generic, output: true}
          agg: {prototype: stdlib.aggregatorIPv4Generic, inputs: [a, b], output: true}
          feed: {prototype: stdlib.feedHCGreen, inputs: [agg]}
          z: {prototype: stdlib.listIPv4Generic, output: true}
          zfeed: {prototype: stdlib.feedHCGreen, inputs: [z]}
        """;

    private static NodeGraph Parse(string yaml)
    {
        var result = GraphLoader.Parse(yaml, "g.yml", "g", PrototypeLibrary.BuiltIn);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        return result.Graph!;
    }

    private static Dictionary<string, NodeFingerprint> Committed(string yaml) =>
        Parse(yaml).Nodes.ToDictionary(static n => n.Name, static n => NodeFingerprint.Parse(NodeFingerprint.Of(n).ToJson())!);

    private static GraphCommitPlan Plan(string before, string after) => GraphCommitPlan.Compute(Parse(after), Committed(before));

    [Fact]
    public void NothingCommittedYetResetsEveryNode()
    {
        var plan = GraphCommitPlan.Compute(Parse(Base), new Dictionary<string, NodeFingerprint>());

        Assert.All(plan.Startups.Values, static s => Assert.Equal(NodeStartup.Reset, s));
        Assert.Equal(6, plan.Startups.Count);
    }

    [Fact]
    public void ANodeWrittenUnderAnotherNameOfItsClassIsUnchanged()
    {
        // The CSV miner was stored under this project's old name for it; the graph now says MineMeld's, or a MineMeld
        // subclass that only passes CSVFT through. Neither is a class change, so neither resets the node.
        const string Csv = "name: g\nnodes:\n  c: {class: CLASS, output: true, config: {url: 'file:c.csv', fieldnames: [indicator]}}\n  feed: {prototype: stdlib.feedHCGreen, inputs: [c]}\n";
        var old = Parse(Csv.Replace("CLASS", "minemeld.ft.csv.CSVFT", StringComparison.Ordinal)).Nodes.ToDictionary(
            static n => n.Name,
            static n => NodeFingerprint.Parse(NodeFingerprint.Of(n).ToJson().Replace("minemeld.ft.csv.CSVFT", "minemeld.ft.csvft.CSVFT", StringComparison.Ordinal))!);

        foreach (var name in new[] { "minemeld.ft.csv.CSVFT", "minemeld.ft.bambenek.Miner", "minemeld.ft.csvft.CSVFT" })
        {
            var next = Parse(Csv.Replace("CLASS", name, StringComparison.Ordinal));
            Assert.Equal(name, next["c"].ClassName);
            Assert.Equal("minemeld.ft.csv.CSVFT", next["c"].Class.Name);
            var plan = GraphCommitPlan.Compute(next, old);
            Assert.True(plan.IsUnchanged, name);
        }
    }

    [Fact]
    public void TheCommittedGraphInitializesEveryNodeEvenWithItsConfigKeysReordered()
    {
        var reordered = Base.Replace("a: {prototype: stdlib.listIPv4Generic, output: true}", "a: {output: true, prototype: stdlib.listIPv4Generic}", StringComparison.Ordinal);
        var plan = Plan(Base, reordered);

        Assert.True(plan.IsUnchanged);
        Assert.All(plan.Startups.Values, static s => Assert.Equal(NodeStartup.Initialize, s));
    }

    [Fact]
    public void ANewOutputOnAnExistingMinerResetsItAndRebuildsThatMinerOnly()
    {
        var plan = Plan(Base, Base + "\n  afeed: {prototype: stdlib.feedHCGreen, inputs: [a]}\n");

        Assert.Equal(NodeStartup.Reset, plan.Startups["afeed"]);
        Assert.Equal(NodeStartup.Rebuild, plan.Startups["a"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["b"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["agg"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["feed"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["zfeed"]);
        Assert.Equal("added", plan.Changes["afeed"]);
    }

    [Fact]
    public void ANewOutputOnAnAggregatorResetsTheWholeComponentAndRebuildsItsMiners()
    {
        // An aggregator cannot re-emit what it holds: its component starts afresh from its miners.
        var plan = Plan(Base, Base + "\n  feed2: {prototype: stdlib.feedHCGreen, inputs: [agg]}\n");

        Assert.Equal(NodeStartup.Rebuild, plan.Startups["a"]);
        Assert.Equal(NodeStartup.Rebuild, plan.Startups["b"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["agg"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["feed"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["feed2"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["z"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["zfeed"]);
    }

    [Fact]
    public void AChangedConfigResetsItsComponentAndLeavesTheOtherAlone()
    {
        var changed = Base.Replace("feed: {prototype: stdlib.feedHCGreen, inputs: [agg]}", "feed: {prototype: stdlib.feedHCGreen, inputs: [agg], config: {max_entries: 10}}", StringComparison.Ordinal);
        var plan = Plan(Base, changed);

        Assert.Equal("config changed", plan.Changes["feed"]);
        Assert.Equal([NodeStartup.Rebuild, NodeStartup.Rebuild, NodeStartup.Reset, NodeStartup.Reset], new[] { "a", "b", "agg", "feed" }.Select(n => plan.Startups[n]));
        Assert.Equal([NodeStartup.Initialize, NodeStartup.Initialize], new[] { "z", "zfeed" }.Select(n => plan.Startups[n]));
    }

    [Fact]
    public void AChangedMinerResetsItselfAndRebuildsItsUnchangedSiblings()
    {
        var changed = Base.Replace("a: {prototype: stdlib.listIPv4Generic, output: true}", "a: {prototype: stdlib.listIPv4Generic, output: true, config: {attributes: {confidence: 40}}}", StringComparison.Ordinal);
        var plan = Plan(Base, changed);

        Assert.Equal(NodeStartup.Reset, plan.Startups["a"]);
        Assert.Equal(NodeStartup.Rebuild, plan.Startups["b"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["agg"]);
    }

    [Fact]
    public void ARemovedInputOrAReorderedOneResetsTheAggregator()
    {
        var removed = Plan(Base, Base.Replace("inputs: [a, b]", "inputs: [a]", StringComparison.Ordinal).Replace("  b: {prototype: stdlib.listIPv4Generic, output: true}\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal("inputs removed: b", removed.Changes["agg"]);
        Assert.Equal(NodeStartup.Reset, removed.Startups["agg"]);
        Assert.Equal(NodeStartup.Rebuild, removed.Startups["a"]);
        Assert.Equal(["b"], removed.Deleted);

        var reordered = Plan(Base, Base.Replace("inputs: [a, b]", "inputs: [b, a]", StringComparison.Ordinal));
        Assert.Equal("inputs reordered", reordered.Changes["agg"]);
        Assert.Equal(NodeStartup.Reset, reordered.Startups["feed"]);
    }

    [Fact]
    public void ANodeThatChangedClassTakesWhatTheOldOnePublishedWithIt()
    {
        var plan = Plan(Base, Base.Replace("z: {prototype: stdlib.listIPv4Generic", "z: {prototype: stdlib.listIPv6Generic", StringComparison.Ordinal));

        Assert.Equal("class changed", plan.Changes["z"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["z"]);
        Assert.Equal(NodeStartup.Reset, plan.Startups["zfeed"]);
        Assert.Equal(NodeStartup.Initialize, plan.Startups["feed"]);
        Assert.Contains("z: class changed -> reset", plan.Describe());
    }

    [Fact]
    public void AnUnreadableFingerprintIsNotOne()
    {
        Assert.Null(NodeFingerprint.Parse("{not json"));
        Assert.Null(NodeFingerprint.Parse("""{"class": 3}"""));
    }
}
