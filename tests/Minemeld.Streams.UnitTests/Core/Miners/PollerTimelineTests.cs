using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Miners;

namespace Minemeld.Streams.UnitTests.Core.Miners;

/// <summary>
/// The worked timelines of docs/minemeld-engine.md, "Miners: quirks and worked timelines" (MineMeld's test_ft_basepoller) on a logical clock: "t=k" is k·1000 ms;
/// a poll runs poll, sudden death (if enabled), age-out and gc, in that order.
/// </summary>
public sealed class PollerTimelineTests
{
    private static Poller Create(string? defaultPolicy, bool suddenDeath, bool multipleTypes = false, bool aggregate = false) => new(new PollerSettings
    {
        SourceName = "test",
        Attributes = new JsonObject { ["type"] = "IPv4", ["confidence"] = 100 },
        IntervalSeconds = 1,
        SuddenDeath = suddenDeath,
        DefaultPolicy = Parse(defaultPolicy),
        MultipleIndicatorTypes = multipleTypes,
        AggregateIndicators = aggregate,
    });

    private static AgeOutExpression? Parse(string? text)
    {
        Assert.True(AgeOutExpression.TryParse(text, out var expression, out var error), error);
        return expression;
    }

    private static (string, JsonObject)[] Items(params string[] indicators) =>
        [.. indicators.Select(static i => (i, new JsonObject()))];

    /// <summary>Typed items written as <c>type@indicator[@value]</c>.</summary>
    private static (string, JsonObject)[] Typed(params string[] items) =>
        [.. items.Select(static i => i.Split('@')).Select(static p => (p[1], p.Length > 2 ? new JsonObject { ["type"] = p[0], ["v"] = p[2] } : new JsonObject { ["type"] = p[0] }))];

    private static List<Emission> Poll(Poller poller, int t, (string, JsonObject)[] items, bool succeeded = true)
    {
        var now = t * 1000L;
        var emitted = poller.ApplyPoll(now, items, succeeded);
        if (poller.Settings.SuddenDeath)
        {
            poller.SuddenDeath();
        }

        emitted.AddRange(poller.AgeOut(now));
        poller.CollectGarbage(now);
        return emitted;
    }

    private static void Sweep(Poller poller, int t) => poller.AgeOut(t * 1000L);

    private static (long Added, long Removed, long Gc, long AgedOut) Totals(Poller p) =>
        (p.Counters.Added, p.Counters.Removed, p.Counters.GarbageCollected, p.Counters.AgedOut);

    [Fact]
    public void AnIncrementalPollEmitsAsItGoesAndCompletesOnlyAtItsEnd()
    {
        var p = Create("last_seen+4", suddenDeath: true);
        using var emissions = p.ApplyPollIncrementally(2000, Items("A", "B", "C"), succeeded: true).GetEnumerator();
        Assert.True(emissions.MoveNext());
        Assert.Equal("A", emissions.Current.Indicator);
        Assert.Equal(1, p.Counters.Added);
        Assert.Null(p.LastRun);
        Assert.Null(p.LastSuccessfulRun);

        Assert.True(emissions.MoveNext());
        Assert.True(emissions.MoveNext());
        Assert.False(emissions.MoveNext());
        Assert.Equal(3, p.Counters.Added);
        Assert.Equal(2000, p.LastRun);
        Assert.Equal(2000, p.LastSuccessfulRun);
    }

    [Fact]
    public void PrivateKeysStayInTheTableAndNeverLeaveInAnEmission()
    {
        var p = Create("last_seen+4", suddenDeath: true);
        var emitted = Poll(p, 2, [("A", new JsonObject { ["_raw"] = "line 7", ["$hint"] = 1, ["note"] = "x" }), ("B", new JsonObject { ["note"] = "y" })]);

        var a = Assert.Single(emitted, static e => e.Indicator == "A").Value.ToTree()!;
        Assert.False(a.ContainsKey("_raw"));
        Assert.False(a.ContainsKey("$hint"));
        Assert.Equal("x", (string?)a["note"]);

        // A's value had private keys: it leaves as a stripped copy, not as the row's bytes; B's leaves as its bytes.
        Assert.True(Assert.Single(emitted, static e => e.Indicator == "A").Value.Utf8.IsEmpty);
        var b = Assert.Single(emitted, static e => e.Indicator == "B");
        Assert.Equal(b.Value.ToTree()!.ToJsonString(), System.Text.Encoding.UTF8.GetString(b.Value.Utf8.Span));
        var row = Assert.Single(p.Rows, static r => r.Indicator == "A");
        Assert.Equal("line 7", (string?)row.ReadValue()["_raw"]);

        // The sudden-death withdraw of A is stripped too.
        var withdraw = Assert.Single(Poll(p, 3, Items("B")), static e => e.Op == MessageOp.Withdraw);
        Assert.Equal("A", withdraw.Indicator);
        Assert.False(withdraw.Value.ToTree()!.ContainsKey("_raw"));
    }

    [Fact]
    public void DeltaFeed()
    {
        var p = Create("last_seen+4", suddenDeath: false);
        Poll(p, 2, Items("A", "B", "C"));
        Assert.Equal(3, p.Counters.Added);
        Poll(p, 4, Items("D", "E", "F"));
        Assert.Equal(6, p.Counters.Added);
        Assert.Equal(0, p.Counters.GarbageCollected);
        Sweep(p, 5);
        Sweep(p, 6);
        Assert.Equal(0, p.Counters.AgedOut);
        Sweep(p, 7);
        Assert.Equal(3, p.Counters.AgedOut);
        Poll(p, 8, Items());
        Assert.Equal(3, p.Counters.GarbageCollected);
        Assert.Equal(3, p.Length);
    }

    /// <summary>
    /// MineMeld counted aged_out 3 at t=7 because it never refreshed last_seen (docs/minemeld-engine.md, "Miners:
    /// quirks and worked timelines"). With last_seen refreshed (docs/minemeld-compatibility.md, difference 11), B and C
    /// were seen at t=4, so only A (sudden death) has aged out by t=7; the end state is the same.
    /// </summary>
    [Fact]
    public void RollingFeedWithLastSeenRefreshed()
    {
        var p = Create("last_seen+4", suddenDeath: true);
        Poll(p, 2, Items("A", "B", "C"));
        Assert.Equal(3, p.Counters.Added);
        Poll(p, 4, Items("B", "C", "D"));
        Assert.Equal((4, 1, 1, 1), Totals(p));
        Sweep(p, 7);
        Assert.Equal(1, p.Counters.AgedOut);
        Assert.Equal(8000, p.Rows.Single(static r => r.Indicator == "B").AgeOut);
        Poll(p, 8, Items());
        Assert.Equal((4, 4, 4, 4), Totals(p));
        Assert.Equal(0, p.Length);
    }

    [Fact]
    public void RollingFeedFirstSeen()
    {
        var p = Create("first_seen+1", suddenDeath: true);
        string[][] polls = [["A", "B", "C"], ["B", "C", "D"], ["B", "E", "F"], ["E", "F", "G"], ["B", "F", "G"]];
        (long, long, long, long)[] expected = [(3, 0, 0, 0), (4, 1, 1, 1), (6, 3, 3, 4), (7, 4, 4, 4), (8, 5, 5, 6)];
        for (var i = 0; i < polls.Length; i++)
        {
            Poll(p, i + 2, Items(polls[i]));
            Assert.Equal(expected[i], Totals(p));
        }
    }

    [Fact]
    public void RollingFeedFirstSeenIndicatorThatKeepsAppearingStaysWithdrawn()
    {
        var p = Create("first_seen+1", suddenDeath: true);
        var added = Poll(p, 2, Items("A"));
        Assert.Equal(MessageOp.Update, Assert.Single(added).Op);
        Assert.Equal(3000, p.Rows.Single().AgeOut);
        Sweep(p, 3);
        Assert.Equal(0, p.Counters.AgedOut);
        var aged = Poll(p, 4, Items("A"));
        Assert.Equal(MessageOp.Withdraw, Assert.Single(aged).Op);
        Assert.Equal(1, p.Counters.AgedOut);
        Assert.Empty(Poll(p, 6, Items("A")));
        Poll(p, 8, Items());
        Assert.Equal((1, 1, 1, 1), Totals(p));
        Poll(p, 10, Items("A"));
        Assert.Equal(2, p.Counters.Added);
        Sweep(p, 12);
        Assert.Equal(2, p.Counters.AgedOut);
        Assert.Equal(2, p.Counters.WithdrawTx);
    }

    [Fact]
    public void PermanentFeed()
    {
        var p = Create(null, suddenDeath: true);
        Poll(p, 2, Items("A", "B", "C"));
        Poll(p, 4, Items("B", "C", "D"));
        Assert.Equal((4, 1, 1, 1), Totals(p));
        for (var t = 5; t <= 7; t++)
        {
            Sweep(p, t);
        }

        Assert.Equal(1, p.Counters.AgedOut);
        Poll(p, 8, Items());
        Assert.Equal(4, p.Counters.GarbageCollected);
        Assert.Equal(0, p.Length);
    }

    [Fact]
    public void PermanentFeedWithMultipleIndicatorTypes()
    {
        var p = Create(null, suddenDeath: true, multipleTypes: true);
        Poll(p, 2, Typed("IPv4@A", "domain@B", "domain@C"));
        Poll(p, 4, Typed("IPv4@B", "domain@C", "IPv4@D"));
        Assert.Equal(5, p.Counters.Added);
        Assert.Equal(2, p.Counters.Removed);
        Assert.Equal(2, p.Counters.GarbageCollected);
    }

    [Fact]
    public void AggregatedPollCountsDuplicateKeysOnceWithTheLastAttributes()
    {
        var p = Create(null, suddenDeath: true, multipleTypes: true, aggregate: true);
        Poll(p, 2, Typed("IPv4@A@1", "IPv4@A@2", "domain@B", "domain@C"));
        Assert.Equal(3, p.Counters.Added);
        Assert.Equal("2", p.Rows.Single(static r => r.Indicator == "A").ReadValue()["v"]!.GetValue<string>());
    }

    [Fact]
    public void AFailedPollAppliesWhatItGotButSuddenDeathIgnoresIt()
    {
        var p = Create(null, suddenDeath: true);
        Poll(p, 2, Items("A", "B", "C"));
        Poll(p, 4, Items("D"), succeeded: false);
        Assert.Equal(4, p.Counters.Added);
        Assert.Equal(0, p.Counters.Removed);
        Assert.Equal(2000, p.LastSuccessfulRun);
        Assert.Equal(4000, p.LastRun);
        Assert.Equal(1, p.Counters.PollErrors);
    }

    [Fact]
    public void OnlyChangedAttributesRepublish()
    {
        var p = Create(null, suddenDeath: true);
        var first = Poll(p, 2, [("A", new JsonObject { ["n"] = 1 })]);
        Assert.Single(first);
        Assert.Empty(Poll(p, 3, [("A", new JsonObject { ["n"] = 1 })]));
        var changed = Poll(p, 4, [("A", new JsonObject { ["n"] = 2 })]);
        var update = Assert.Single(changed);
        Assert.Equal(2, update.Value!["n"]!.GetValue<int>());
        Assert.Equal(2000, update.Value["first_seen"]!.GetValue<long>());
        Assert.Equal(4000, update.Value["last_seen"]!.GetValue<long>());
        var removed = Assert.Single(Poll(p, 5, [("A", new JsonObject())]));
        Assert.False(removed.Value.ToTree()!.ContainsKey("n"), "a field that disappeared is dropped and republished");
    }

    [Fact]
    public void EmittedValuesFollowTheMinerValueRecipe()
    {
        var p = Create(null, suddenDeath: true);
        var update = Assert.Single(Poll(p, 2, [("A", new JsonObject { ["confidence"] = 50, ["dshield_nattacks"] = 7, ["_private"] = 1 })]));
        Assert.Equal(
            """{"type":"IPv4","confidence":50,"sources":["test"],"first_seen":2000,"last_seen":2000,"dshield_nattacks":7}""",
            update.Value!.ToJsonString());
    }

    [Fact]
    public void RebuildReEmitsOnlyLiveIndicatorsAndFlushWithdrawsThem()
    {
        var p = Create("first_seen+1", suddenDeath: true);
        Poll(p, 2, Items("A"));
        Poll(p, 4, Items("A", "B"));
        Assert.Equal(["B"], p.Rebuild(4000).Select(static e => e.Indicator));
        var flushed = p.Flush(4500);
        Assert.Equal(["B"], flushed.Select(static e => e.Indicator));
        Assert.Equal(1, p.Counters.Flushed);
    }

    [Fact]
    public void SettingsComeFromTheResolvedConfig()
    {
        var config = JsonNode.Parse("""{"interval":619,"age_out":{"interval":257,"sudden_death":false,"default":null,"URL":"last_seen+1h"},"attributes":{"type":"IPv4"}}""")!.AsObject();
        var settings = PollerSettings.FromConfig("node", config);
        Assert.Equal("node", settings.SourceName);
        Assert.Equal(619, settings.IntervalSeconds);
        Assert.Equal(257, settings.AgeOutIntervalSeconds);
        Assert.False(settings.SuddenDeath);
        Assert.Null(settings.PolicyFor("IPv4"));
        Assert.Equal(AgeOutBase.LastSeen, settings.PolicyFor("URL")!.Base);
        Assert.Equal(AgeOutExpression.Default, PollerSettings.FromConfig("n", []).PolicyFor("IPv4"));
    }
}
