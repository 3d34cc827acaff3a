using System.Text.Json;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.UnitTests.Core.Yaml;

public sealed class YamlDocumentTests
{
    [Fact]
    public void PlainScalarsAreTypedAsPyYamlTypesThem()
    {
        var (root, _) = YamlDocument.Parse("""
            a: ~
            b: yes
            c: Off
            d: 42
            e: -7
            f: 0x1F
            g: 010
            h: 1.5
            i: 1e5
            j: 2026-11-22
            k: '42'
            l: "true"
            m: n
            n:
            o: 08
            """, "t.yml");
        var o = root!.AsObject();
        Assert.Null(o["a"]);
        Assert.True(o["b"]!.GetValue<bool>());
        Assert.False(o["c"]!.GetValue<bool>());
        Assert.Equal(42, o["d"]!.GetValue<long>());
        Assert.Equal(-7, o["e"]!.GetValue<long>());
        Assert.Equal(31, o["f"]!.GetValue<long>());
        Assert.Equal(8, o["g"]!.GetValue<long>());
        Assert.Equal(1.5, o["h"]!.GetValue<double>());
        Assert.Equal("1e5", o["i"]!.GetValue<string>());
        Assert.Equal("2026-11-22", o["j"]!.GetValue<string>());
        Assert.Equal("42", o["k"]!.GetValue<string>());
        Assert.Equal("true", o["l"]!.GetValue<string>());
        Assert.Equal("n", o["m"]!.GetValue<string>());
        Assert.Null(o["n"]);
        Assert.Equal("08", o["o"]!.GetValue<string>());
    }

    [Fact]
    public void MergeKeysLetExplicitKeysWinAndAliasesAreCopied()
    {
        var (root, _) = YamlDocument.Parse("""
            base: &b {x: 1, y: 2, list: [1]}
            other: &o {y: 20, z: 30}
            child:
              <<: [*b, *o]
              y: 3
            copy: *b
            """, "t.yml");
        Assert.Equal("""{"y":3,"x":1,"list":[1],"z":30}""", root!["child"]!.ToJsonString());
        Assert.Equal("""{"x":1,"y":2,"list":[1]}""", root["copy"]!.ToJsonString());
    }

    [Fact]
    public void SourceMapFindsLinesOfKeysAndListItems()
    {
        var (_, map) = YamlDocument.Parse("nodes:\n  a:\n    inputs:\n      - b\n      - c\n", "g.yml");
        Assert.Equal(new SourceLocation("g.yml", 5, 9), map.Find("nodes/a/inputs/1"));
        Assert.Equal(new SourceLocation("g.yml", 5, 9), map.Find("nodes/a/inputs/1/missing/deeper"));
    }

    [Theory]
    [InlineData("a: [1, 2\n", 1)]
    [InlineData("a: 'open\n", 1)]
    [InlineData("a: 1\n  b: 2\n", 2)]
    [InlineData("a: 1\n---\nb: 2\n", 3)]
    public void BrokenDocumentsFailWithALine(string text, int line)
    {
        var ex = Assert.Throws<YamlLoadException>(() => YamlDocument.Parse(text, "bad.yml"));
        Assert.Equal("bad.yml", ex.Location.Source);
        Assert.True(ex.Location.Line >= line, $"line {ex.Location.Line}");
    }

    [Fact]
    public void ResultIsPlainJson() =>
        Assert.Equal(JsonValueKind.Object, YamlDocument.Parse("a: {b: [1, x]}", "t").Root!.GetValueKind());
}
