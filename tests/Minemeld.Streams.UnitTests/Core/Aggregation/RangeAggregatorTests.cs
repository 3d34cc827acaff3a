using System.Text.Json.Nodes;
using CsCheck;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Aggregation;

/// <summary>
/// MineMeld's range-aggregation examples that involve values and types (docs/minemeld-engine.md, "Range aggregation"),
/// and two properties of the aggregator as a whole.
/// </summary>
public sealed class RangeAggregatorTests
{
    private readonly AggregatorCounters _counters = new();

    private static JsonObject V(string json) => JsonNode.Parse(json)!.AsObject();

    private static RangeAggregator<uint, IPv4Family> IPv4(params string[] inputs) =>
        new(new WhitelistPolicy(inputs.Length == 0 ? ["s1", "s2", "wl1"] : inputs, ["wl"]), "IPv4");

    private static string[] Show(IReadOnlyList<Emission> emissions) =>
        [.. emissions.Select(static e => $"{(e.Op == MessageOp.Update ? "U" : "W")} {e.Indicator} {e.Value.ToTree()?.ToJsonString() ?? "null"}").Order(StringComparer.Ordinal)];

    [Fact]
    public void NewOverlappingRowMergesBothRowsValuesIntoTheSharedPiece()
    {
        var node = IPv4();
        node.Update("s1", "192.168.0.1", V("""{"type":"IPv4","sources":["a"],"s1$a":1}"""), _counters);
        Assert.Equal(
            [
                """U 192.168.0.1-192.168.0.1 {"sources":["a","b"],"type":"IPv4","s1$a":1,"s1$b":2}""",
                """U 192.168.0.2-192.168.0.3 {"sources":["b"],"type":"IPv4","s1$b":2}""",
            ],
            Show(node.Update("s1", "192.168.0.1-192.168.0.3", V("""{"type":"IPv4","sources":["b"],"s1$b":2}"""), _counters)));
    }

    [Fact]
    public void AttributeMergeOfTwoInputs()
    {
        var node = IPv4();
        node.Update("s1", "10.1.0.0/16", V("""{"type":"IPv4","first_seen":10,"last_seen":25,"confidence":20,"direction":"inbound"}"""), _counters);
        Assert.Equal(
            ["""U 10.1.0.0-10.1.255.255 {"sources":[],"type":"IPv4","first_seen":5,"last_seen":25,"confidence":30,"direction":"inbound"}"""],
            Show(node.Update("s2", "10.1.0.0/16", V("""{"type":"IPv4","first_seen":5,"last_seen":20,"confidence":30,"direction":"inbound"}"""), _counters)));
    }

    [Fact]
    public void WithdrawCarriesTheOldValueAndOtherTypesAreIgnored()
    {
        var node = IPv4();
        node.Update("s1", "192.168.0.0/16", V("""{"type":"IPv4","sources":["x"]}"""), _counters);
        Assert.Empty(node.Withdraw("s1", "192.168.0.0/16", V("""{"type":"domain"}"""), _counters));
        Assert.Equal(1, _counters.WithdrawIgnored);
        Assert.Equal(
            ["""W 192.168.0.0-192.168.255.255 {"sources":["x"],"type":"IPv4"}"""],
            Show(node.Withdraw("s1", "192.168.0.0/16", V("""{"type":"IPv4"}"""), _counters)));
        Assert.Equal(0, node.RowCount);
    }

    [Fact]
    public void ReUpdateOfTheSameRowRepublishesItsPiecesWithTheNewValue()
    {
        var node = IPv4();
        node.Update("s1", "192.168.0.0", V("""{"type":"IPv4","s1$a":1}"""), _counters);
        Assert.Equal(
            ["""U 192.168.0.0-192.168.0.0 {"sources":[],"type":"IPv4","s1$a":2}"""],
            Show(node.Update("s1", "192.168.0.0", V("""{"type":"IPv4","s1$a":2}"""), _counters)));
        Assert.Equal(1, _counters.Added);
    }

    [Fact]
    public void UpdatesOfAnotherTypeOrUnparsableIndicatorsAreCountedNotStored()
    {
        var node = IPv4();
        Assert.Empty(node.Update("s1", "2001:db8::/32", V("""{"type":"IPv6"}"""), _counters));
        Assert.Empty(node.Update("s1", "10.0.0.0/8", V("""{"type":"ipv4"}"""), _counters));
        Assert.Empty(node.Update("s1", "2001:db8::/32", V("""{"type":"IPv4"}"""), _counters));
        Assert.Empty(node.Update("s1", "not-an-ip", V("""{"type":"IPv4"}"""), _counters));
        Assert.Equal(2, _counters.UpdateIgnored);
        Assert.Equal(2, _counters.ParseErrors);
        Assert.Equal(0, node.RowCount);
    }

    [Fact]
    public void WhitelistRowsCutHolesAndTheirValuesNeverLeak()
    {
        var node = IPv4();
        node.Update("s1", "10.0.0.0/24", V("""{"type":"IPv4","sources":["feed"]}"""), _counters);
        var emitted = Show(node.Update("wl1", "10.0.0.128/25", V("""{"type":"IPv4","sources":["wl1"],"secret":1}"""), _counters));
        Assert.Equal(["""U 10.0.0.0-10.0.0.127 {"sources":["feed"],"type":"IPv4"}""", """W 10.0.0.0-10.0.0.255 {"sources":["feed"],"type":"IPv4"}"""], emitted);
        Assert.Empty(node.Update("wl1", "10.0.0.128/25", V("""{"type":"IPv4","sources":["wl1"],"secret":2}"""), _counters));
    }

    [Fact]
    public void IPv6RangesAggregateLikeIPv4()
    {
        var node = new RangeAggregator<UInt128, IPv6Family>(new WhitelistPolicy(["s1", "wl"], ["wl"]), "IPv6");
        node.Update("s1", "2001:db8::/32", V("""{"type":"IPv6"}"""), _counters);
        Assert.Equal(
            [
                """U 2001:db8:2::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff {"sources":[],"type":"IPv6"}""",
                """U 2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff {"sources":[],"type":"IPv6"}""",
                """W 2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff {"sources":[],"type":"IPv6"}""",
            ],
            Show(node.Update("wl", "2001:db8:1::/48", V("""{"type":"IPv6"}"""), _counters)));
    }

    // A random workload over three inputs (one a whitelist) and a few overlapping networks.
    private static readonly Gen<(int Input, int Net, bool Withdraw, int Confidence)[]> Workload =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 7], Gen.Bool, Gen.Int[0, 100]).Array[1, 60];

    private static readonly string[] Inputs = ["s1", "s2", "wl1"];
    private static readonly string[] Networks = ["10.0.0.0/16", "10.0.1.0/24", "10.0.1.128/25", "10.0.0.5", "10.0.2.0-10.0.3.10", "10.0.3.0/24", "10.0.0.0/8", "10.0.1.200"];

    [Fact]
    public void EmissionsReplayedDownstreamAlwaysEqualTheCurrentOutput() =>
        Workload.Sample(ops =>
        {
            var node = IPv4(Inputs);
            var downstream = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (input, net, withdraw, confidence) in ops)
            {
                var emissions = withdraw
                    ? node.Withdraw(Inputs[input], Networks[net], null, _counters)
                    : node.Update(Inputs[input], Networks[net], V($$"""{"type":"IPv4","confidence":{{confidence}},"sources":["{{Inputs[input]}}"]}"""), _counters);
                foreach (var e in emissions.OrderBy(static e => e.Op == MessageOp.Update ? 1 : 0))
                {
                    // What the encoder publishes: the row's bytes when given, which are never anything but the value's JSON.
                    var published = e.Value.Utf8.IsEmpty ? e.Value.ToTree()?.ToJsonString() : System.Text.Encoding.UTF8.GetString(e.Value.Utf8.Span);
                    Assert.Equal(e.Value.ToTree()?.ToJsonString(), published);
                    if (e.Op == MessageOp.Update)
                    {
                        downstream[e.Indicator] = published!;
                    }
                    else
                    {
                        Assert.True(downstream.Remove(e.Indicator), $"withdrew {e.Indicator}, which was never published");
                    }
                }

                Assert.Equal(
                    node.Output().Select(static o => $"{o.Indicator} {o.Value.ToJsonString()}").Order(StringComparer.Ordinal),
                    downstream.Select(static d => $"{d.Key} {d.Value}").Order(StringComparer.Ordinal));
            }
        }, iter: 300);

    // Values as they may arrive on a topic: normalized (sources first, a set) or not (sources later, missing, repeated,
    // twice; a private key; a type that is not the node's).
    private static readonly string[] Shapes =
    [
        """{"sources":["{0}"],"type":"IPv4","confidence":{1}}""",
        """{"type":"IPv4","sources":["{0}"],"confidence":{1}}""",
        """{"type":"IPv4","confidence":{1}}""",
        """{"sources":["{0}","{0}"],"type":"IPv4","confidence":{1}}""",
        """{"sources":["{0}"],"type":"IPv4","confidence":{1},"sources":["x","x"]}""",
        """{"sources":["{0}"],"type":"IPv4","_age_out":7,"confidence":{1}}""",
        """{"sources":["{0}"],"type":"IPv6","confidence":{1}}""",
        """{"sources":["{0}","b\u0041"],"type":"IPv4","confidence":{1}}""",
    ];

    [Fact]
    public void ValuesReceivedAsBytesGiveWhatTheirTreesGive() =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 7], Gen.Bool, Gen.Int[0, 100], Gen.Int[0, Shapes.Length - 1]).Array[1, 40].Sample(ops =>
        {
            var byTree = IPv4(Inputs);
            var byBytes = IPv4(Inputs);
            foreach (var (input, net, withdraw, confidence, shape) in ops)
            {
                var json = Shapes[shape].Replace("{0}", Inputs[input], StringComparison.Ordinal).Replace("{1}", confidence.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                var bytes = System.Text.Encoding.UTF8.GetBytes(json);
                var (tree, utf8) = withdraw
                    ? (byTree.Withdraw(Inputs[input], Networks[net], Parsed(json), _counters), byBytes.Withdraw(Inputs[input], Networks[net], IndicatorJson.OfUtf8(bytes), _counters))
                    : (byTree.Update(Inputs[input], Networks[net], Parsed(json), _counters), byBytes.Update(Inputs[input], Networks[net], IndicatorJson.OfUtf8(bytes), _counters));
                Assert.Equal(Show(tree), Show(utf8));
                foreach (var e in utf8.Where(static e => !e.Value.Utf8.IsEmpty))
                {
                    // Bytes published as they are must be the value's own JSON.
                    Assert.Equal(e.Value.ToTree()!.ToJsonString(), System.Text.Encoding.UTF8.GetString(e.Value.Utf8.Span));
                }
            }

            foreach (var input in Inputs)
            {
                foreach (var net in Networks)
                {
                    Assert.Equal(Text(byTree.StoredRow(input, net)), Text(byBytes.StoredRow(input, net)));
                }
            }

            static string? Text(ReadOnlyMemory<byte>? row) => row is { } r ? V(System.Text.Encoding.UTF8.GetString(r.Span)).ToJsonString() : null;

            // As a message's value is parsed (a name twice keeps its last value).
            static JsonObject Parsed(string json) => Minemeld.Streams.Core.Json.JsonObjectReader.ParseObject(json)!;
        }, iter: 500);

    [Fact]
    public void ARowReceivedNormalizedIsKeptAsItsBytesAndRestoredFromThem()
    {
        var node = IPv4();
        var bytes = """{"sources":["a"],"type":"IPv4","confidence":90}"""u8.ToArray();
        var emitted = Assert.Single(node.Update("s1", "10.0.0.0/16", IndicatorJson.OfUtf8(bytes), _counters));
        Assert.False(emitted.Value.HasTree);
        Assert.Equal(bytes, emitted.Value.Utf8.ToArray());
        Assert.Equal(bytes, node.StoredRow("s1", "10.0.0.0/16")!.Value.ToArray());
        bytes[^2] = (byte)'1'; // the row holds a copy: the message's buffer is not the row's
        Assert.Equal("""{"sources":["a"],"type":"IPv4","confidence":90}""", System.Text.Encoding.UTF8.GetString(node.StoredRow("s1", "10.0.0.0/16")!.Value.Span));

        var restored = IPv4();
        Assert.True(restored.Restore("s1", "10.0.0.0/16", IndicatorJson.OfUtf8(node.StoredRow("s1", "10.0.0.0/16")!.Value)));
        Assert.True(restored.Restore("s2", "10.0.0.0/24", IndicatorJson.OfUtf8("""{"type":"IPv4","_x":1,"sources":["b","b"]}"""u8.ToArray())));
        Assert.Equal("""{"sources":["b"],"type":"IPv4"}""", System.Text.Encoding.UTF8.GetString(restored.StoredRow("s2", "10.0.0.0/24")!.Value.Span));
        Assert.False(restored.Restore("s1", "10.0.0.0/16", IndicatorJson.OfUtf8(node.StoredRow("s1", "10.0.0.0/16")!.Value)));
    }

    [Fact]
    public void FinalOutputDoesNotDependOnArrivalOrder() =>
        Gen.Select(Workload, Gen.Int).Sample(t =>
        {
            var (ops, seed) = t;
            // The final rows: last operation per (input, network) decides whether the row exists, and with what value.
            var final = new Dictionary<(int, int), (bool Withdraw, int Confidence)>();
            foreach (var (input, net, withdraw, confidence) in ops)
            {
                final[(input, net)] = (withdraw, confidence);
            }

            string Run(IEnumerable<KeyValuePair<(int Input, int Net), (bool Withdraw, int Confidence)>> order)
            {
                var node = IPv4(Inputs);
                foreach (var ((input, net), (withdraw, confidence)) in order.Where(static o => !o.Value.Withdraw))
                {
                    node.Update(Inputs[input], Networks[net], V($$"""{"type":"IPv4","confidence":{{confidence}},"sources":["{{Inputs[input]}}"],"share_level":"{{Inputs[input]}}"}"""), _counters);
                }

                return string.Join('\n', node.Output().Select(static o => $"{o.Indicator} {o.Value.ToJsonString()}"));
            }

            var shuffled = final.ToArray();
            new Random(seed).Shuffle(shuffled);
            Assert.Equal(Run(final.OrderBy(static f => f.Key)), Run(shuffled));
        }, iter: 300);

    [Fact]
    public void RestoredStateBehavesLikeTheOriginal()
    {
        var node = IPv4();
        node.Update("s1", "10.0.0.0/16", V("""{"type":"IPv4","confidence":90}"""), _counters);
        node.Update("wl1", "10.0.5.0/24", V("""{"type":"IPv4"}"""), _counters);
        var restored = IPv4();
        foreach (var (input, indicator, value) in node.Rows)
        {
            Assert.True(restored.Restore(input, indicator, value));
        }

        Assert.Equal(node.Output().Select(static o => o.Indicator), restored.Output().Select(static o => o.Indicator));
        Assert.Equal(Show(node.Withdraw("wl1", "10.0.5.0/24", null, _counters)), Show(restored.Withdraw("wl1", "10.0.5.0/24", null, _counters)));
    }

    [Fact]
    public void AStoredRowIsItsNormalizedValueAndAWithdrawnRowIsNone()
    {
        var node = IPv4();
        Assert.Null(node.StoredRow("s1", "10.0.0.0/16"));
        node.Update("s1", "10.0.0.0/16", V("""{"type":"IPv4","_age_out":5,"sources":["a","a"],"confidence":90}"""), _counters);
        Assert.Equal("""{"sources":["a"],"type":"IPv4","confidence":90}""", System.Text.Encoding.UTF8.GetString(node.StoredRow("s1", "10.0.0.0/16")!.Value.Span));
        node.Withdraw("s1", "10.0.0.0/16", null, _counters);
        Assert.Null(node.StoredRow("s1", "10.0.0.0/16"));
    }

    /// <summary>
    /// Rows received with equal values share one array (rows are never changed in place); a new value for one of them
    /// is its own: the others keep, store and withdraw with theirs.
    /// </summary>
    [Fact]
    public void RowsWithEqualValuesShareOneArrayAndAChangeToOneLeavesTheOthers()
    {
        var node = IPv4("s1");
        var value = """{"type":"IPv4","sources":["a"],"confidence":50}"""u8.ToArray();
        foreach (var address in new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" })
        {
            _ = node.Update("s1", address, IndicatorJson.OfUtf8(value.ToArray()), _counters);
        }

        static byte[] ArrayOf(ReadOnlyMemory<byte>? stored) =>
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(stored!.Value, out var segment) ? segment.Array! : throw new InvalidOperationException();
        Assert.Same(ArrayOf(node.StoredRow("s1", "10.0.0.1")), ArrayOf(node.StoredRow("s1", "10.0.0.3")));

        var changed = Assert.Single(node.Update("s1", "10.0.0.2", IndicatorJson.OfUtf8("""{"type":"IPv4","sources":["a"],"confidence":90}"""u8.ToArray()), _counters));
        Assert.Equal("""{"sources":["a"],"type":"IPv4","confidence":90}""", System.Text.Encoding.UTF8.GetString(changed.Value.Utf8.Span));
        const string Kept = """{"sources":["a"],"type":"IPv4","confidence":50}""";
        Assert.Equal(Kept, System.Text.Encoding.UTF8.GetString(node.StoredRow("s1", "10.0.0.1")!.Value.Span));
        Assert.Equal(Kept, System.Text.Encoding.UTF8.GetString(node.StoredRow("s1", "10.0.0.3")!.Value.Span));
        var withdrawn = Assert.Single(node.Withdraw("s1", "10.0.0.3", IndicatorJson.OfUtf8(default), _counters));
        Assert.Equal(Kept, System.Text.Encoding.UTF8.GetString(withdrawn.Value.Utf8.Span));
    }
}
