using System.Numerics;
using System.Text.Json.Nodes;
using CsCheck;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.Ranges;
using static Minemeld.Streams.UnitTests.Core.Graph.GraphText;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>
/// The over-broad guard against an address-count oracle, how a graph resolves each node's guard, and a miner skipping
/// what it refuses.
/// </summary>
public sealed class BroadnessGuardTests
{
    [Fact]
    public void AnIPv4RangeIsRefusedExactlyWhenItCoversMoreAddressesThanTheLimitsNetwork() =>
        Gen.Select(Gen.UInt, Gen.UInt, Gen.Int[0, 32], Gen.Int[0, 32]).Sample(t =>
        {
            var (a, b, prefix, shift) = t;
            // Ends drawn near each other as often as far apart, so the sizes around the limit are all seen.
            var (start, end) = a <= b ? (a, b) : (b, a);
            end = shift < 32 ? (uint)Math.Min(end, (ulong)start + (1UL << shift)) : end;
            var addresses = (BigInteger)end - start + 1;
            var expected = prefix > 0 && addresses > BigInteger.One << (32 - prefix);
            var text = $"{IPv4Family.Format(start)}-{IPv4Family.Format(end)}";
            var guard = new BroadnessGuard(prefix, 0);
            Assert.Equal(expected, guard.Refuses(IndicatorTypes.IPv4, text, out var reason));
            Assert.Equal(expected, reason is not null && reason.Contains(text, StringComparison.Ordinal) && reason.Contains($"/{prefix}", StringComparison.Ordinal));
        }, iter: 10_000);

    [Fact]
    public void ACidrIsRefusedExactlyWhenItsPrefixIsShorterThanTheLimit() =>
        Gen.Select(Gen.UInt, Gen.Int[0, 32], Gen.Int[0, 32], Gen.UInt128, Gen.Int[0, 128], Gen.Int[0, 128]).Sample(t =>
        {
            var (v4, length4, limit4, v6, length6, limit6) = t;
            var guard = new BroadnessGuard(limit4, limit6);
            Assert.Equal(limit4 > 0 && length4 < limit4, guard.Refuses(IndicatorTypes.IPv4, $"{IPv4Family.Format(v4)}/{length4}"));
            Assert.Equal(limit6 > 0 && length6 < limit6, guard.Refuses(IndicatorTypes.IPv6, $"{IPv6Family.Format(v6)}/{length6}"));
        }, iter: 10_000);

    [Theory]
    [InlineData("IPv4", "0.0.0.0/0", true)]
    [InlineData("IPv4", " 0.0.0.0/0 ", true)]
    [InlineData("IPv4", "10.0.0.0/8", false)]
    [InlineData("IPv4", "10.0.0.0/7", true)]
    [InlineData("IPv4", "1.2.3.4", false)]
    [InlineData("IPv6", "::/0", true)]
    [InlineData("IPv6", "2001:db8::/32", false)]
    [InlineData("IPv6", "2000::/3", true)]
    [InlineData("URL", "0.0.0.0/0", false)] // a URL's path, not a network
    [InlineData("domain", "0.0.0.0/0", false)]
    [InlineData(null, "0.0.0.0/0", false)]
    [InlineData("IPv4", "not an address/0", false)] // the parsers report it, not the guard
    public void TheDefaultGuardLooksAtIPNetworksOnly(string? type, string indicator, bool refused)
    {
        Assert.Equal(refused, BroadnessGuard.Default.Refuses(type, indicator, out var reason));
        Assert.Equal(refused, reason is not null);
        Assert.False(BroadnessGuard.Off.Refuses(type, indicator));
    }

    [Fact]
    public void TheReasonSaysWhatIsTooBroadAndWhichKeyTurnsItOff()
    {
        Assert.True(BroadnessGuard.Default.Refuses(IndicatorTypes.IPv4, "0.0.0.0/0", out var reason));
        Assert.Equal("0.0.0.0/0 covers 4,294,967,296 addresses, more than a /8 (the node's broadest_ipv4_prefix; 0 turns the guard off)", reason);
    }

    [Fact]
    public void AGraphGuardsBlockListsAndOutputsAndLeavesWhitelistsOpen()
    {
        var result = Load("""
            nodes:
              blockList:
                prototype: stdlib.listIPv4Generic
                output: true
              wlList:
                prototype: stdlib.listIPv4Generic
                output: true
              wlBogons:
                prototype: stdlib.listIPv4Generic
                output: true
              wlMerged:
                prototype: stdlib.aggregatorIPv4Generic
                output: true
                inputs: [wlBogons]
              tunedList:
                prototype: stdlib.listIPv4Generic
                output: true
                config: {broadest_ipv4_prefix: 4}
              offList:
                prototype: stdlib.listIPv4Generic
                output: true
                config: {broadest_ipv4_prefix: 0, broadest_ipv6_prefix: 0}
              agg:
                prototype: stdlib.aggregatorIPv4Inbound
                output: true
                inputs: [blockList, wlList, wlMerged, tunedList, offList]
              feed:
                prototype: stdlib.feedHCWithValue
                inputs: [agg]
              tunedFeed:
                prototype: stdlib.feedHCWithValue
                inputs: [agg]
                config: {broadest_ipv6_prefix: 48}
              unused:
                prototype: stdlib.listIPv4Generic
            """);
        Assert.True(result.IsValid, string.Join('\n', Errors(result)));
        var graph = result.Graph!;
        Assert.Equal(BroadnessGuard.Default, graph["blockList"].Guard);
        Assert.Equal(BroadnessGuard.Off, graph["wlList"].Guard);
        Assert.Equal(BroadnessGuard.Off, graph["wlBogons"].Guard); // a whitelist through an aggregator that is one
        Assert.Equal(new BroadnessGuard(4, 32), graph["tunedList"].Guard);
        Assert.Equal(BroadnessGuard.Off, graph["offList"].Guard);
        Assert.Equal(BroadnessGuard.Default, graph["feed"].Guard);
        Assert.Equal(new BroadnessGuard(8, 48), graph["tunedFeed"].Guard);
        Assert.Equal(BroadnessGuard.Default, graph["unused"].Guard);
        Assert.Same(graph["blockList"], graph.Nodes.Single(static n => n.Name == "blockList"));
    }

    [Fact]
    public void TheGuardsKeysAreCheckedLikeAnyOtherConfig()
    {
        var result = Load("""
            nodes:
              list:
                prototype: stdlib.listIPv4Generic
                config: {broadest_ipv4_prefix: 33, broadest_ipv6_prefix: -1}
            """);
        Assert.False(result.IsValid);
        Assert.Contains(Errors(result), static e => e.Contains("broadest_ipv4_prefix", StringComparison.Ordinal) && e.Contains("between 0 and 32", StringComparison.Ordinal));
        Assert.Contains(Errors(result), static e => e.Contains("broadest_ipv6_prefix", StringComparison.Ordinal) && e.Contains("between 0 and 128", StringComparison.Ordinal));
    }

    [Fact]
    public void AMinerCountsAndSkipsWhatItsGuardRefusesAndWithdrawsARowHeldFromBefore()
    {
        var settings = new PollerSettings
        {
            SourceName = "test",
            Attributes = new JsonObject { ["type"] = "IPv4" },
            IntervalSeconds = 1,
            Guard = BroadnessGuard.Default,
        };
        var poller = new Poller(settings);
        var first = poller.ApplyPoll(1000, [("192.0.2.0/24", []), ("0.0.0.0/0", []), ("2000::/3", new JsonObject { ["type"] = "IPv6" })], succeeded: true);
        Assert.Equal(["192.0.2.0/24"], first.Select(static e => e.Indicator));
        Assert.Equal(2, poller.Counters.OverBroad);
        Assert.Equal(1, poller.Length);

        // A table saved before the guard existed: the broad row is not refreshed by the next poll, and sudden death
        // withdraws it.
        var unguarded = new Poller(new PollerSettings { SourceName = "test", Attributes = new JsonObject { ["type"] = "IPv4" }, IntervalSeconds = 1 });
        unguarded.ApplyPoll(1000, [("192.0.2.0/24", []), ("0.0.0.0/0", [])], succeeded: true);
        var restored = new Poller(settings);
        restored.Restore(unguarded.Rows, unguarded.LastRun, unguarded.LastSuccessfulRun);
        Assert.Empty(restored.ApplyPoll(2000, [("192.0.2.0/24", []), ("0.0.0.0/0", [])], succeeded: true));
        restored.SuddenDeath();
        var withdrawn = Assert.Single(restored.AgeOut(2000));
        Assert.Equal((MessageOp.Withdraw, "0.0.0.0/0"), (withdrawn.Op, withdrawn.Indicator));
    }
}
