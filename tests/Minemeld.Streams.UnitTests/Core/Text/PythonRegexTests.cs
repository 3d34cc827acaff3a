using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Core.Text;

namespace Minemeld.Streams.UnitTests.Core.Text;

public sealed class PythonRegexTests
{
    [Theory]
    [InlineData(@"(?P<ip>[0-9.]+) (?P=ip)", "(?<ip>[0-9.]+) \\k<ip>")]
    [InlineData(@"\d+\s\w", @"[0-9]+[ \t\n\r\f\v][a-zA-Z0-9_]")]
    [InlineData(@"[\d.]+", @"[0-9.]+")]
    [InlineData(@"[]a]", @"[\]a]")]
    [InlineData(@"a\.b", @"a\.b")]
    public void TranslatesPatterns(string python, string dotnet) => Assert.Equal(dotnet, PythonRegex.Translate(python));

    [Theory]
    [InlineData(@"\1-\2", "${1}-${2}")]
    [InlineData(@"\g<1>", "${1}")]
    [InlineData(@"\g<name>x", "${name}x")]
    [InlineData(@"\g<0>", "${0}")]
    [InlineData("cost $5", "cost $$5")]
    public void TranslatesTemplates(string python, string dotnet) => Assert.Equal(dotnet, PythonRegex.TranslateTemplate(python));

    [Fact]
    public void DigitClassesAreAsciiOnly() => Assert.DoesNotMatch(PythonRegex.Compile(@"^\d+$"), "١٢٣");

    [Fact]
    public void DshieldPrototypeExtractsRangeAndFieldsFromARealLine()
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("dshield.block", out var dshield, out _));
        const string line = "61.240.144.0\t61.240.144.255\t24\t2342\tEXAMPLE-IDC\tCN\tabuse@example.cn";
        var indicator = dshield.Config["indicator"]!;
        var match = PythonRegex.Compile(indicator["regex"]!.GetValue<string>()).Match(line);
        Assert.Equal("61.240.144.0-61.240.144.255", match.Result(PythonRegex.TranslateTemplate(indicator["transform"]!.GetValue<string>())));
        string Field(string name)
        {
            var f = dshield.Config["fields"]![name]!;
            return PythonRegex.Compile(f["regex"]!.GetValue<string>()).Match(line).Result(PythonRegex.TranslateTemplate(f["transform"]!.GetValue<string>()));
        }

        Assert.Equal("2342", Field("dshield_nattacks"));
        Assert.Equal("EXAMPLE-IDC", Field("dshield_name"));
        Assert.Equal("CN", Field("dshield_country"));
        Assert.Equal("abuse@example.cn", Field("dshield_email"));
        Assert.Matches(PythonRegex.Compile("^" + dshield.Config["ignore_regex"]!.GetValue<string>()), "Start\tEnd\tNetblock");
    }
}
