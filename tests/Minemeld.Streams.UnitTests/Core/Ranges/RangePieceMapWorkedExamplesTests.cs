namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>The worked examples of docs/minemeld-engine.md, "Range aggregation" (MineMeld's test_ft_ipop), one test each.</summary>
public sealed class RangePieceMapWorkedExamplesTests
{
    private static string[] Expect(params string[] lines) => [.. lines.Order(StringComparer.Ordinal)];

    [Fact]
    public void SingleAddressThenOverlappingRangesSplitAtEveryEndpoint()
    {
        var s = new PieceScript();
        Assert.Equal(Expect("U 192.168.0.1-192.168.0.1"), s.Update("s1", "192.168.0.1"));
        Assert.Equal(Expect("U 192.168.0.1-192.168.0.1", "U 192.168.0.2-192.168.0.3"), s.Update("s1", "192.168.0.1-192.168.0.3"));
        Assert.Equal([1, 2], s.IdsOf("192.168.0.1-192.168.0.1"));
        Assert.Equal(
            Expect("U 192.168.0.2-192.168.0.2", "U 192.168.0.3-192.168.0.3", "W 192.168.0.2-192.168.0.3"),
            s.Update("s1", "192.168.0.2-192.168.0.2"));
    }

    [Fact]
    public void EdgesOfTheAddressSpaceAreOrdinaryPieces()
    {
        var s = new PieceScript();
        Assert.Equal(Expect("U 255.255.255.255-255.255.255.255"), s.Update("s1", "255.255.255.255"));
        Assert.Equal(Expect("U 0.0.0.0-0.0.0.0"), s.Update("s1", "0.0.0.0"));
        Assert.Equal(["0.0.0.0-0.0.0.0", "255.255.255.255-255.255.255.255"], s.Pieces());
    }

    [Fact]
    public void WhitelistNetworkCutsTheFrontOfARange()
    {
        var s = new PieceScript();
        Assert.Equal(Expect("U 192.168.0.0-192.168.255.255"), s.Update("s1", "192.168.0.0/16"));
        Assert.Equal(
            Expect("U 192.168.1.0-192.168.255.255", "W 192.168.0.0-192.168.255.255"),
            s.Update("wl2", "192.168.0.0/24"));
    }

    [Fact]
    public void WhitelistAddressesCutHolesAndTheWindowStaysLocal()
    {
        var s = new PieceScript();
        s.Update("s1", "192.168.0.0/16");
        Assert.Equal(
            Expect("U 192.168.0.0-192.168.0.0", "U 192.168.0.2-192.168.255.255", "W 192.168.0.0-192.168.255.255"),
            s.Update("wl2", "192.168.0.1"));
        Assert.Equal(
            Expect("U 192.168.0.3-192.168.255.255", "W 192.168.0.2-192.168.255.255"),
            s.Update("wl2", "192.168.0.2"));
    }

    [Fact]
    public void OverlapByOneAddressMakesThreePieces()
    {
        var s = new PieceScript();
        s.Update("s1", "192.168.0.1-192.168.0.3");
        Assert.Equal(
            Expect("U 192.168.0.1-192.168.0.2", "U 192.168.0.3-192.168.0.3", "U 192.168.0.4-192.168.0.4", "W 192.168.0.1-192.168.0.3"),
            s.Update("s2", "192.168.0.3-192.168.0.4"));
    }

    [Fact]
    public void OverlapAtTheEnd()
    {
        var s = new PieceScript();
        s.Update("s1", "8.8.0.0/16");
        Assert.Equal(
            Expect("U 8.8.0.0-8.8.254.255", "U 8.8.255.0-8.8.255.255", "W 8.8.0.0-8.8.255.255"),
            s.Update("s1", "8.8.255.0/24"));
    }

    [Fact]
    public void ThreeNestedOverlapsTouchOnlyTheInnerPiece()
    {
        var s = new PieceScript();
        s.Update("s1", "10.1.0.0/16");
        Assert.Equal(
            Expect("U 10.1.0.0-10.1.0.255", "U 10.1.1.0-10.1.1.255", "U 10.1.2.0-10.1.255.255", "W 10.1.0.0-10.1.255.255"),
            s.Update("s2", "10.1.1.0/24"));
        Assert.Equal(
            Expect("U 10.1.1.0-10.1.1.127", "U 10.1.1.128-10.1.1.255", "W 10.1.1.0-10.1.1.255"),
            s.Update("s2", "10.1.1.128/25"));
        Assert.Equal(3, s.IdsOf("10.1.1.128-10.1.1.255").Count);
    }

    [Fact]
    public void WhitelistAddressesInsideANetworkAndTheirRemovalFusesPieces()
    {
        var s = new PieceScript();
        s.Update("s1", "10.1.0.0/24");
        Assert.Equal(
            Expect("U 10.1.0.0-10.1.0.9", "U 10.1.0.11-10.1.0.255", "W 10.1.0.0-10.1.0.255"),
            s.Update("wl2", "10.1.0.10"));
        Assert.Equal(
            Expect("U 10.1.0.11-10.1.0.24", "U 10.1.0.26-10.1.0.255", "W 10.1.0.11-10.1.0.255"),
            s.Update("wl2", "10.1.0.25"));

        // Derived example: withdrawing the first whitelist entry fuses the pieces on both sides of it.
        Assert.Equal(
            Expect("U 10.1.0.0-10.1.0.24", "W 10.1.0.0-10.1.0.9", "W 10.1.0.11-10.1.0.24"),
            s.Withdraw("wl2", "10.1.0.10"));
    }

    [Fact]
    public void IdenticalRangesFromTwoInputsShareOnePiece()
    {
        var s = new PieceScript();
        s.Update("s1", "10.1.0.0/16");
        Assert.Equal(Expect("U 10.1.0.0-10.1.255.255"), s.Update("s2", "10.1.0.0/16"));
        Assert.Equal(2, s.IdsOf("10.1.0.0-10.1.255.255").Count);
    }

    [Fact]
    public void WithdrawingTheOnlyRowWithdrawsItsPieceAndUnknownRowsDoNothing()
    {
        var s = new PieceScript();
        s.Update("s1", "192.168.0.0/16");
        Assert.Empty(s.Withdraw("s1", "10.0.0.0/8"));
        Assert.Equal(Expect("W 192.168.0.0-192.168.255.255"), s.Withdraw("s1", "192.168.0.0/16"));
        Assert.Empty(s.Pieces());
    }

    [Fact]
    public void ARowsPiecesAreWhatARepublishTouches()
    {
        var s = new PieceScript();
        s.Update("s1", "192.168.0.0");
        s.Update("s2", "10.0.0.0/8");
        Assert.Equal(["192.168.0.0-192.168.0.0"], s.PiecesOf("s1", "192.168.0.0"));
    }

    [Fact]
    public void SeedScenarioDropDshieldAndWhitelist()
    {
        var s = new PieceScript();
        Assert.Equal(Expect("U 1.2.0.0-1.2.255.255"), s.Update("spamhaus_DROP", "1.2.0.0/16"));
        Assert.Equal(
            Expect("U 1.2.0.0-1.2.2.255", "U 1.2.3.0-1.2.3.255", "U 1.2.4.0-1.2.255.255", "W 1.2.0.0-1.2.255.255"),
            s.Update("dshield", "1.2.3.0-1.2.3.255"));
        Assert.Equal(2, s.IdsOf("1.2.3.0-1.2.3.255").Count);
        Assert.Equal(
            Expect("U 1.2.3.0-1.2.3.6", "U 1.2.3.8-1.2.3.255", "W 1.2.3.0-1.2.3.255"),
            s.Update("wlList", "1.2.3.7"));
        Assert.Equal(
            Expect(
                "U 1.2.0.0-1.2.3.6", "U 1.2.3.8-1.2.255.255",
                "W 1.2.0.0-1.2.2.255", "W 1.2.3.0-1.2.3.6", "W 1.2.3.8-1.2.3.255", "W 1.2.4.0-1.2.255.255"),
            s.Withdraw("dshield", "1.2.3.0-1.2.3.255"));
        Assert.Equal(["1.2.0.0-1.2.3.6", "1.2.3.8-1.2.255.255"], s.Pieces());
    }

    [Fact]
    public void AdjacentRangesFromDifferentRowsStaySeparate()
    {
        var s = new PieceScript();
        s.Update("A", "1.1.1.0/25");
        s.Update("B", "1.1.1.128/25");
        s.Update("C", "1.1.1.0/24");
        s.Update("D", "1.1.1.0/24");
        Assert.Equal(["1.1.1.0-1.1.1.127", "1.1.1.128-1.1.1.255"], s.Pieces());
        Assert.Equal([s.IdOf("A", "1.1.1.0/25"), s.IdOf("C", "1.1.1.0/24"), s.IdOf("D", "1.1.1.0/24")], s.IdsOf("1.1.1.0-1.1.1.127"));
        Assert.Equal([s.IdOf("B", "1.1.1.128/25"), s.IdOf("C", "1.1.1.0/24"), s.IdOf("D", "1.1.1.0/24")], s.IdsOf("1.1.1.128-1.1.1.255"));
    }

    [Fact]
    public void TwoWhitelistedAddressesInOneNetworkKeepTheSpanBetweenThem()
    {
        // minemeld-core#296: two whitelisted IPs in one /24 dropped everything between them.
        var s = new PieceScript();
        s.Update("s1", "10.0.0.0/24");
        s.Update("wl1", "10.0.0.10");
        s.Update("wl1", "10.0.0.20");
        Assert.Equal(["10.0.0.0-10.0.0.9", "10.0.0.11-10.0.0.19", "10.0.0.21-10.0.0.255"], s.Pieces());
    }
}
