using Minemeld.Streams.Core.Miners;

namespace Minemeld.Streams.UnitTests.Core.Miners;

public sealed class AgeOutExpressionTests
{
    [Theory]
    [InlineData("30d", AgeOutBase.FirstSeen, 30L * 86_400_000)]
    [InlineData("first_seen+30d", AgeOutBase.FirstSeen, 30L * 86_400_000)]
    [InlineData("last_seen+4", AgeOutBase.LastSeen, 4_000)]
    [InlineData("last_seen+2h", AgeOutBase.LastSeen, 7_200_000)]
    [InlineData("90m", AgeOutBase.FirstSeen, 5_400_000)]
    [InlineData("30days", AgeOutBase.FirstSeen, 30L * 86_400_000)]
    [InlineData("30s", AgeOutBase.FirstSeen, 30_000)]
    [InlineData("last_seen", AgeOutBase.LastSeen, 0)]
    [InlineData("first_seen", AgeOutBase.FirstSeen, 0)]
    public void ParsesMineMeldsSyntax(string text, AgeOutBase expectedBase, long offset)
    {
        Assert.True(AgeOutExpression.TryParse(text, out var expression, out var error), error);
        Assert.Equal(expectedBase, expression!.Base);
        Assert.Equal(offset, expression.OffsetMilliseconds);
    }

    [Fact]
    public void NullMeansNever()
    {
        Assert.True(AgeOutExpression.TryParse(null, out var expression, out _));
        Assert.Null(expression);
        Assert.Equal(4294967295000, AgeOutExpression.NeverMilliseconds);
    }

    [Theory]
    [InlineData("1w")]
    [InlineData("+30d")]
    [InlineData("seen+3")]
    [InlineData("last_seen+")]
    [InlineData("-5")]
    [InlineData("3.5d")]
    public void RefusesWhatMineMeldReadByPrefix(string text)
    {
        Assert.False(AgeOutExpression.TryParse(text, out _, out var error));
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ComputesTheAgeOutTimeFromTheChosenBase()
    {
        Assert.True(AgeOutExpression.TryParse("last_seen+10", out var last, out _));
        Assert.Equal(20_000 + 10_000, last!.AgeOutAt(firstSeen: 5_000, lastSeen: 20_000));
        Assert.Equal(5_000 + (30L * 86_400_000), AgeOutExpression.Default.AgeOutAt(5_000, 20_000));
    }
}
