using System.Globalization;
using CsCheck;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>
/// Where messages go: an address lies on its block's partition number on every topic (what lets an aggregator apply
/// what it reads without a second hop), anything else on a fixed hash of its bytes.
/// </summary>
public sealed class EdgePartitionerTests
{
    [Theory]
    [InlineData("10.1.2.3", 32, 10)]
    [InlineData("10.1.2.3-10.1.2.3", 32, 10)]
    [InlineData("200.0.0.0/8", 32, 200 % 32)]
    [InlineData("200.7.0.0-200.9.255.255", 6, 200 % 6)]
    [InlineData("2001:db8::1", 6, 0x2001_0d % 6)]
    [InlineData("1.2.3.4", 1, 0)]
    public void AnAddressGoesToItsBlocksPartition(string indicator, int partitions, int expected) =>
        Assert.Equal(expected, EdgePartitioner.ForKey(indicator, partitions));

    [Fact]
    public void EveryIPv4IndicatorInsideOneBlockMeetsItsBlockKeysPartition() =>
        Gen.Select(Gen.UInt, Gen.UInt[0, 1 << 16], Gen.Int[1, 64]).Sample(t =>
        {
            var (start, length, partitions) = t;
            var end = start + Math.Min(length, (start | 0x00FF_FFFFu) - start);
            var indicator = $"{IPv4Family.Format(start)}-{IPv4Family.Format(end)}";
            var block = Assert.Single(AddressBlocks.Of(indicator, AddressFamilyKind.IPv4));
            Assert.Equal(EdgePartitioner.ForBlock(block, partitions), EdgePartitioner.ForKey(indicator, partitions));
        }, iter: 2000);

    [Fact]
    public void AnIPv6BlockKeyAndTheAddressesInsideItMeet()
    {
        var block = Assert.Single(AddressBlocks.Of("2001:db8:1::/48", AddressFamilyKind.IPv6));
        foreach (var partitions in new[] { 1, 5, 6, 32 })
        {
            Assert.Equal(EdgePartitioner.ForBlock(block, partitions), EdgePartitioner.ForKey("2001:db8:1::7", partitions));
        }
    }

    [Fact]
    public void OtherKeysArePlacedByAFixedHashOfTheirBytes()
    {
        // Fixed across processes and versions (an indicator's messages must keep one partition): xxHash32, seed 0.
        Assert.Equal((int)(System.IO.Hashing.XxHash32.HashToUInt32("example.com"u8) % 1_000_003u), EdgePartitioner.ForKey("example.com", 1_000_003));
        Assert.Equal(EdgePartitioner.ForKey("http://x.test/é", 7), EdgePartitioner.ForKey("http://x.test/é", 7));

        // A range across blocks is not in one block: hashed like any other key.
        var across = "10.255.255.250-11.0.0.5";
        Assert.Equal((int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(across)) % 97u), EdgePartitioner.ForKey(across, 97));

        // A long key (past the stack buffer) is hashed whole.
        var longKey = "http://x.test/" + new string('a', 1000);
        Assert.Equal((int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(longKey)) % 13u), EdgePartitioner.ForKey(longKey, 13));
        Assert.All(Enumerable.Range(0, 500).Select(static i => $"host{i.ToString(CultureInfo.InvariantCulture)}.test"), k => Assert.InRange(EdgePartitioner.ForKey(k, 6), 0, 5));
    }
}
