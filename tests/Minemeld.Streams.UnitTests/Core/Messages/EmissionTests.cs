using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.UnitTests.Core.Messages;

public sealed class EmissionTests
{
    /// <summary>A type the emitter gave belongs to the value it gave it with: another value unsets it.</summary>
    [Fact]
    public void AGivenTypeGoesWithItsValue()
    {
        var typed = new Emission(MessageOp.Update, "10.0.0.1", IndicatorJson.OfUtf8("""{"type":"IPv4"}"""u8.ToArray())) { Type = "IPv4" };
        Assert.True(typed.TypeKnown);
        Assert.Equal("IPv4", typed.Type);
        Assert.True((typed with { Op = MessageOp.Withdraw }).TypeKnown);

        Assert.False((typed with { Value = IndicatorJson.OfUtf8("""{"type":"URL"}"""u8.ToArray()) }).TypeKnown);
        Assert.False((typed with { Value = new JsonObject { ["type"] = "URL" } }).TypeKnown);
        Assert.False(new Emission(MessageOp.Update, "10.0.0.1", IndicatorJson.OfUtf8("""{"type":"IPv4"}"""u8.ToArray())).TypeKnown);
    }
}
