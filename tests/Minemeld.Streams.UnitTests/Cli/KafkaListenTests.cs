using Minemeld.Streams.Cli.Commands;

namespace Minemeld.Streams.UnitTests.Cli;

/// <summary><c>minemeld run --kafka-listen</c>: what it listens on and what the broker tells clients to connect to.</summary>
public sealed class KafkaListenTests
{
    [Theory]
    [InlineData("127.0.0.1:9092", "127.0.0.1:9092", "127.0.0.1")]
    [InlineData("127.0.0.2:0", "127.0.0.2:0", "127.0.0.2")]
    [InlineData("[::1]:9092", "[::1]:9092", "::1")]
    [InlineData("localhost:19092", null, "localhost")]
    public void AnAddressOrAHostNameWithAPortIsTaken(string value, string? listen, string advertised)
    {
        var parsed = RunCommand.ParseListen(value);
        Assert.NotNull(parsed);
        Assert.Equal(advertised, parsed.Value.Advertised);
        if (listen is not null)
        {
            Assert.Equal(listen, parsed.Value.Listen.ToString());
        }
        else
        {
            Assert.True(System.Net.IPAddress.IsLoopback(parsed.Value.Listen.Address));
            Assert.Equal(19092, parsed.Value.Listen.Port);
        }
    }

    [Fact]
    public void AWildcardListensEverywhereAndAdvertisesThisHostsAddress()
    {
        var parsed = RunCommand.ParseListen("0.0.0.0:9092")!.Value;
        Assert.Equal("0.0.0.0:9092", parsed.Listen.ToString());
        Assert.NotEqual("0.0.0.0", parsed.Advertised);
        Assert.Equal(RunCommand.ReachableHost("0.0.0.0"), parsed.Advertised);
    }

    [Theory]
    [InlineData("9092")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:port")]
    [InlineData(":9092")]
    [InlineData("no-such-host.invalid:9092")]
    public void AnythingElseIsRefused(string value) => Assert.Null(RunCommand.ParseListen(value));
}
