using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Json;

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

    /// <summary>
    /// A value kept as UTF-8 is compared in place (no node); a pseudo-attribute too. Both must decide exactly what the
    /// node path decides: the same random conditions over the same random values, as bytes and as trees.
    /// </summary>
    [Fact]
    public void ComparingInPlaceDecidesWhatTheNodePathDecides()
    {
        var random = new Random(20261130);
        string[] scalars = ["75", "100", "-3", "0", "3.0", "2.5", "1e3", "1e400", "9007199254740993", "true", "false", "null",
            "\"green\"", "\"red\"", "\"gr\\u0065en\"", "\"\"", "\"IPv4\"", "\"\u00e9t\u00e9\"", "[1,2]", "{\"a\":1}", "[]"];
        string[] literals = ["75", "0", "-3", "100", "'green'", "'red'", "''", "'IPv4'", "'été'", "true", "false", "null"];
        string[] comparators = ["==", "!=", "<", "<=", ">", ">="];
        string[] names = ["confidence", "share_level", "direction", "__method", "__origin", "__indicator"];
        string[] methods = ["update", "withdraw"];
        int cases = 0, withIndex = 0;
        for (var i = 0; i < 4000; i++)
        {
            var properties = new List<string>();
            foreach (var name in names.Take(3))
            {
                var occurrences = random.Next(4); // absent, once, or repeated (the last one counts)
                for (var k = 0; k < occurrences; k++)
                {
                    properties.Add($"\"{name}\":{scalars[random.Next(scalars.Length)]}");
                }
            }

            var json = "{" + string.Join(',', properties.OrderBy(_ => random.Next())) + "}";
            var condition = Condition.Parse($"{names[random.Next(names.Length)]} {comparators[random.Next(comparators.Length)]} {literals[random.Next(literals.Length)]}");
            var (indicator, method, origin) = ("1.2.3.4", methods[random.Next(2)], random.Next(2) == 0 ? "green" : "miner");
            var tree = new FilterContext(Minemeld.Streams.Core.Json.JsonObjectReader.ParseObject(System.Text.Encoding.UTF8.GetBytes(json)), indicator, method, origin);
            var utf8 = System.Text.Encoding.UTF8.GetBytes(json);
            var bytes = new FilterContext(IndicatorJson.OfUtf8(utf8), indicator, method, origin);
            var index = Minemeld.Streams.Core.Json.Utf8PropertyIndex.Of(utf8);
            var indexed = new FilterContext(IndicatorJson.OfUtf8(utf8), indicator, method, origin) { Utf8Properties = index };
            var byNodes = Condition.Compare(condition.Resolve(tree), condition.Comparator, condition.Literal);
            Assert.True(byNodes == condition.Evaluate(bytes), $"{condition} on {json} as bytes");
            Assert.True(byNodes == condition.Evaluate(indexed), $"{condition} on {json} as bytes with their index");
            withIndex += index is null ? 0 : 1;
            Assert.True(byNodes == condition.Evaluate(tree), $"{condition} on {json} as a tree");
            cases++;
        }

        Assert.Equal(4000, cases);
        Assert.InRange(withIndex, 400, 3600); // values without repeated or escaped names were looked up in their index
    }

    [Theory]
    [InlineData("confidence >= 75", """{"confidence":80}""", true)]
    [InlineData("confidence >= 75", """{"confidence":"80"}""", false)]
    [InlineData("confidence != 75", """{"confidence":"75"}""", true)]
    [InlineData("share_level == 'green'", """{"share_level":"gr\u0065en"}""", true)]
    [InlineData("share_level == null", """{}""", true)]
    [InlineData("share_level < 'h'", """{"share_level":"green"}""", true)]
    [InlineData("__method == 'withdraw'", """{}""", false)]
    [InlineData("__method != 75", """{}""", true)]
    [InlineData("flag == true", """{"flag":true}""", true)]
    [InlineData("flag < true", """{"flag":true}""", false)]
    public void ScalarsOfAValueKeptAsBytes(string condition, string json, bool expected) =>
        Assert.Equal(expected, Condition.Parse(condition).Evaluate(new FilterContext(IndicatorJson.OfUtf8(System.Text.Encoding.UTF8.GetBytes(json)), "1.2.3.4", "update", "src")));
}
