using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;

namespace Minemeld.Streams.UnitTests.Core.Filters;

public sealed class ConditionTests
{
    private static bool Eval(string condition, string valueJson = "{}", string indicator = "1.2.3.4", string method = "update", string origin = "src") =>
        Condition.Parse(condition).Evaluate(new FilterContext(JsonNode.Parse(valueJson)!.AsObject(), indicator, method, origin));

    [Fact]
    public void ParsesComparisonsAsMineMeldsGrammarDoes()
    {
        var c = Condition.Parse("sources == \"http://dshield.org/blocklist\"");
        Assert.Equal("sources", c.Expression);
        Assert.Equal(Comparator.Equal, c.Comparator);
        Assert.Equal("http://dshield.org/blocklist", c.Literal!.GetValue<string>());
        var f = Condition.Parse("length(max(dshield_nattacks)) == \"x\"");
        Assert.Equal("length(max(dshield_nattacks))", f.Expression);
    }

    [Theory]
    [InlineData("length(sources) > 1", true)]
    [InlineData("length(b) > 1", false)]
    [InlineData("type(b) == null", true)]
    [InlineData("length(b) == null", true)]
    [InlineData("starts_with(type, 'IP') == true", true)]
    [InlineData("type == 'IPv4'", true)]
    [InlineData("type(sources) == 'array'", true)]
    [InlineData("contains(sources, `2`) == true", false)]
    public void MineMeldBoolExprExamples(string condition, bool expected)
    {
        if (condition.Contains('`', StringComparison.Ordinal))
        {
            // Backticks are not in the grammar: refused at parse time rather than passed to JMESPath.
            Assert.Throws<ConditionSyntaxException>(() => Condition.Parse(condition));
            return;
        }

        Assert.Equal(expected, Eval(condition, """{"sources":[1,2],"type":"IPv4"}"""));
    }

    [Theory]
    [InlineData("confidence < 50", false)]
    [InlineData("confidence <= 50", false)]
    [InlineData("confidence > 75", false)]
    [InlineData("confidence >= 0", false)]
    [InlineData("confidence == 50", false)]
    [InlineData("confidence == null", true)]
    [InlineData("confidence != null", false)]
    [InlineData("confidence != 50", true)]
    public void MissingAttributesCompareAsDesignMdDecides(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("""{"flag":true}""", "flag == 1", false)]
    [InlineData("""{"flag":true}""", "flag == true", true)]
    [InlineData("""{"n":1}""", "n == true", false)]
    [InlineData("""{"n":75}""", "n >= 75", true)]
    [InlineData("""{"n":74.5}""", "n >= 75", false)]
    [InlineData("""{"n":"80"}""", "n > 75", false)]
    [InlineData("""{"s":"b"}""", "s > 'a'", true)]
    [InlineData("""{"s":"b"}""", "s < 1", false)]
    [InlineData("""{"l":[1]}""", "l == 1", false)]
    public void ComparisonsAreTyped(string value, string condition, bool expected) => Assert.Equal(expected, Eval(condition, value));

    [Fact]
    public void ContextKeysAreAvailable()
    {
        Assert.True(Eval("__method == 'withdraw'", method: "withdraw"));
        Assert.True(Eval("__origin == 'wlList'", origin: "wlList"));
        Assert.True(Eval("__indicator == '10.0.0.1'", indicator: "10.0.0.1"));
        Assert.True(Eval("starts_with(__indicator, '10.') == true", indicator: "10.0.0.1"));
    }

    [Fact]
    public void DollarKeysAreReadableAsBareAttributes() => Assert.True(Eval("s1$a == 2", """{"s1$a":2}"""));

    [Fact]
    public void JmesPathErrorsAndTheNullStringCountAsNull()
    {
        Assert.True(Eval("abs(type) == null", """{"type":"IPv4"}"""));
        Assert.True(Eval("type(missing) == null"));
    }

    [Fact]
    public void LiteralArgumentsBecomeJsonLiterals() =>
        Assert.True(Eval("contains(sources, 2) == true", """{"sources":[1,2]}"""));

    [Theory]
    [InlineData("", "expected an attribute name")]
    [InlineData("confidence", "expected a comparator")]
    [InlineData("confidence >> 3", "expected a value")]
    [InlineData("confidence > 3.5", "only integers")]
    [InlineData("confidence > 007", "leading zeros")]
    [InlineData("name == 'unterminated", "unterminated string")]
    [InlineData("name == 'a\\b'", "backslash")]
    [InlineData("name == 'a' extra", "unexpected")]
    [InlineData("length('x') > 1", "first argument")]
    [InlineData("nosuchfunction(x) > 1", "not a valid JMESPath expression")]
    [InlineData("length(sources > 1", "expected ','")]
    public void SyntaxErrorsSayWhatWasExpected(string condition, string expected)
    {
        var ex = Assert.Throws<ConditionSyntaxException>(() => Condition.Parse(condition));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
