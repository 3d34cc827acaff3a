using Minemeld.Streams.Core.NodeClasses;
using static Minemeld.Streams.UnitTests.Core.Graph.GraphText;

namespace Minemeld.Streams.UnitTests.Core.Graph;

/// <summary>Validation rules of docs/minemeld-engine.md, "Validation", with MineMeld's own error-count expectations.</summary>
public sealed class GraphValidationTests
{
    [Fact]
    public void UnknownInputAndMissingClassesGiveThreeErrors()
    {
        var result = Load("nodes:\n  n1:\n    inputs: [n2, n3]\n  n2:\n    output: true\n");
        Assert.False(result.IsValid);
        Assert.Equal(3, result.Errors.Count());
        Assert.Contains(result.Errors, static e => e.Message == "n1 -> n3 is unknown");
        Assert.Contains(result.Errors, static e => e.Message == "No class in n1");
        Assert.Contains(result.Errors, static e => e.Message == "No class in n2");
    }

    [Fact]
    public void InputWithOutputDisabledGivesThreeErrors()
    {
        var result = Load("nodes:\n  n1:\n    inputs: [n2]\n  n2:\n    output: false\n");
        Assert.Equal(3, result.Errors.Count());
        Assert.Contains(result.Errors, static e => e.Message == "n1 -> n2 output disabled");
    }

    [Fact]
    public void CycleGivesOneLoopErrorBesideTheMissingClasses()
    {
        var result = Load("""
            nodes:
              n1: {inputs: [n4], output: true}
              n2: {output: true}
              n3: {inputs: [n1], output: true}
              n4: {inputs: [n3], output: true}
            """);
        Assert.Equal(5, result.Errors.Count());
        var loop = Assert.Single(result.Errors, static e => e.Message.StartsWith("loop detected", StringComparison.Ordinal));
        Assert.Contains("n1", loop.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("n2", loop.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachLoopIsReportedWithItsOwnNodesOnly()
    {
        // x reads the y-z loop without being on it; w reads itself; v sits between the two loops.
        var result = Load("""
            nodes:
              m: {prototype: stdlib.listIPv4Generic, output: true}
              x: {prototype: stdlib.aggregatorIPv4Generic, inputs: [m, y], output: true}
              y: {prototype: stdlib.aggregatorIPv4Generic, inputs: [z], output: true}
              z: {prototype: stdlib.aggregatorIPv4Generic, inputs: [y], output: true}
              v: {prototype: stdlib.aggregatorIPv4Generic, inputs: [z], output: true}
              w: {prototype: stdlib.aggregatorIPv4Generic, inputs: [w, v], output: true}
            """);
        Assert.Equal(
            ["test.yml:4:6: error: node 'y', key 'inputs': loop detected among nodes y, z", "test.yml:7:6: error: node 'w', key 'inputs': loop detected among nodes w"],
            Errors(result).Where(static e => e.Contains("loop", StringComparison.Ordinal)));
    }

    [Fact]
    public void BadNodeNamesAreRefused()
    {
        var result = Load("nodes:\n  ../config/running-config.yml: {}\n  <script>alert(1)</script>: {}\n");
        Assert.Equal(4, result.Errors.Count());
        Assert.Equal(2, result.Errors.Count(static e => e.Message.EndsWith("node name is invalid (letters, digits, '_' and '-' only)", StringComparison.Ordinal)));
    }

    [Fact]
    public void EveryErrorNamesNodeKeyAndLine()
    {
        var result = Load("""
            nodes:
              feed_a:
                prototype: dshield.block
                output: true
                config:
                  interval: soon
                  ignore_regex: '([a-z'
                  age_out:
                    default: 1w
              agg:
                prototype: stdlib.aggregatorIPv4Generic
                inputs: [feed_a]
                output: true
                config:
                  infilters:
                    - {name: bad, conditions: ["confidence >> 3"], actions: [accept]}
              out:
                prototype: stdlib.feedHCGreen
                inputs: [agg]
                output: true
            """);
        var errors = Errors(result);
        Assert.Contains("test.yml:6:17: error: node 'feed_a', key 'config.interval': must be an integer, not a string", errors);
        Assert.Contains(errors, static e => e.StartsWith("test.yml:7:21: error: node 'feed_a', key 'config.ignore_regex': bad regex '([a-z'", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("test.yml:9:18: error: node 'feed_a', key 'config.age_out.default': bad age-out expression", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("test.yml:16:36: error: node 'agg', key 'config.infilters.0.conditions.0': bad condition:", StringComparison.Ordinal));
        Assert.Equal(4, errors.Length);
        Assert.Contains(result.Warnings, static w => w.ToString().StartsWith("test.yml:20:13: warning: node 'out', key 'output':", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownPrototypeClassAndUnimplementedMineMeldClassAreErrors()
    {
        var result = Load("""
            nodes:
              a: {prototype: nosuch.thing, output: true}
              b: {class: minemeld.ft.nosuch.Miner, output: true}
              c: {class: minemeld.ft.taxii.DataFeed, inputs: [d]}
              d: {prototype: spamhaus.DROP, output: true}
            """);
        var messages = result.Errors.Select(static e => e.Message).ToList();
        Assert.Contains("unknown prototype 'nosuch.thing'", messages);
        Assert.Contains("Unknown node class minemeld.ft.nosuch.Miner", messages);
        Assert.Contains(messages, static m => m.Contains("MineMeld class that Minemeld.Streams does not implement", StringComparison.Ordinal));
        Assert.Equal(3, messages.Count);
    }

    [Fact]
    public void MinerWithInputsIsAnError()
    {
        var result = Load("nodes:\n  a: {prototype: spamhaus.DROP, output: true}\n  b: {prototype: spamhaus.EDROP, inputs: [a], output: true}\n");
        Assert.Equal(["test.yml:3:42: error: node 'b', key 'inputs': b is a miner (minemeld.ft.http.HttpFT) and cannot have inputs"], Errors(result));
    }

    [Fact]
    public void MissingRequiredUrlAndWrongTypesAreErrors()
    {
        var result = Load("""
            nodes:
              m:
                class: minemeld.ft.http.HttpFT
                output: yes
                config:
                  attributes: [type, IPv4]
                  age_out: {interval: 0, sudden_death: maybe, IPv4: last_seen+1d}
            """);
        var messages = result.Errors.Select(static e => $"{e.Key}: {e.Message}").ToList();
        Assert.Contains("config.url: url is required by minemeld.ft.http.HttpFT", messages);
        Assert.Contains("config.attributes: must be a mapping, not a list", messages);
        Assert.Contains("config.age_out.interval: must be between 1 and 2147483647, not 0", messages);
        Assert.Contains("config.age_out.sudden_death: must be a boolean (true or false), not a string", messages);
        Assert.Equal(4, messages.Count);
    }

    [Fact]
    public void NodeConfigIsDeepMergedOverThePrototype()
    {
        var result = Load("nodes:\n  d:\n    prototype: dshield.block\n    output: true\n    config:\n      age_out: {interval: 100}\n");
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        var ageOut = result.Graph!["d"].Config["age_out"]!.AsObject();
        Assert.Equal(100, ageOut["interval"]!.GetValue<long>());
        Assert.True(ageOut.ContainsKey("default"), "the prototype's default: null survives (docs/minemeld-compatibility.md, difference 1)");
        Assert.Null(ageOut["default"]);
        Assert.True(ageOut["sudden_death"]!.GetValue<bool>());
        Assert.Equal("https://www.dshield.org/block.txt", result.Graph["d"].Config["url"]!.GetValue<string>());
    }

    [Fact]
    public void ListsInNodeConfigReplaceThePrototypes()
    {
        var result = Load("nodes:\n  f:\n    prototype: stdlib.feedHCGreen\n    config:\n      infilters: [{name: all, actions: [accept]}]\n");
        var filters = result.Graph!["f"].Config["infilters"]!.AsArray();
        Assert.Single(filters);
    }

    [Fact]
    public void EmptyAndNullDocumentsAreValidEmptyGraphsButNonMappingsAreNot()
    {
        Assert.True(Load(string.Empty).IsValid);
        Assert.True(Load("nodes:\n").IsValid);
        var list = Load("- a\n- b\n");
        Assert.Contains("Invalid config YAML type", Assert.Single(list.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SyntaxErrorsNameTheLine()
    {
        var result = Load("nodes:\n  a: {prototype: x\n  b: [\n");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.True(error.Location.Line >= 2);
    }

    [Fact]
    public void ResolvedGraphKnowsKindsEdgesOrderAndPartitions()
    {
        var result = Load("""
            name: shop
            partitions: 12
            nodes:
              out: {prototype: stdlib.feedHCGreen, inputs: [agg]}
              agg: {prototype: stdlib.aggregatorIPv4Generic, inputs: [b, a], output: true, partitions: 3}
              a: {prototype: spamhaus.DROP, output: true}
              b: {prototype: dshield.block, output: true}
            """);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        var graph = result.Graph!;
        Assert.Equal("shop", graph.Name);
        Assert.Equal(NodeKind.Processor, graph["agg"].Kind);
        Assert.Equal(["b", "a"], graph["agg"].Inputs);
        Assert.Equal(["agg"], graph.ConsumersOf("a"));
        Assert.Equal(3, graph["agg"].Partitions);
        Assert.Equal(12, graph["a"].Partitions);
        var order = graph.TopologicalOrder().Select(static n => n.Name).ToList();
        Assert.True(order.IndexOf("agg") > order.IndexOf("a") && order.IndexOf("out") > order.IndexOf("agg"));
    }

    [Fact]
    public void GraphNameDefaultsToTheFileNameAndMustBeTopicSafe()
    {
        Assert.Equal("test", Load("nodes: {}").Graph!.Name);
        Assert.Contains(Load("name: 'a b'\nnodes: {}").Errors, static e => e.Key == "name");
    }

    [Fact]
    public void UnknownKeysAreWarningsNotErrors()
    {
        var result = Load("nodes:\n  a:\n    prototype: spamhaus.DROP\n    output: true\n    colour: red\n    config: {intervall: 5}\n");
        Assert.True(result.IsValid);
        Assert.Equal(2, result.Warnings.Count());
        Assert.Contains(result.Warnings, static w => w.Key == "config.intervall");
    }

    [Fact]
    public void OutputTrueOnAFeedIsAWarningAndTheFeedDoesNotPublish()
    {
        // MineMeld ignored the flag on a feed, and its own integration-test graph sets it.
        var result = Load("nodes:\n  a:\n    prototype: spamhaus.DROP\n    output: true\n  f:\n    prototype: stdlib.feedHCGreen\n    inputs: [a]\n    output: true\n");
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("output", warning.Key);
        Assert.Contains("output: true is ignored", warning.Message, StringComparison.Ordinal);
        Assert.False(result.Graph!["f"].Output);
    }
}
