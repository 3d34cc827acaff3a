using System.Text;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.UnitTests.Core.Json;

public sealed class MineMeldJsonTests
{
    [Fact]
    public void AValueHasMineMeldsKeyOrderAndUjsonEscaping()
    {
        var ours = """{"sources":["dshield.block"],"confidence":100,"share_level":"green","first_seen":1733558400000,"last_seen":1733562000000,"type":"IPv4"}""";
        Assert.Equal(
            """{"sources":["dshield.block"],"confidence":100,"first_seen":1733558400000,"type":"IPv4","share_level":"green","last_seen":1733562000000}""",
            MineMeldJson.Encode(Encoding.UTF8.GetBytes(ours)));

        // Python's escaping: a quote as \", a slash as \/, non-ASCII as lowercase \u00e9; nested values too.
        var text = """{"comment":"caf\u00C9 \"x\" http://a/b","tags":["\u00e9t\u00E9"],"nested":{"b":1,"a":2}}""";
        Assert.Equal(
            """{"comment":"caf\u00c9 \"x\" http:\/\/a\/b","nested":{"a":2,"b":1},"tags":["\u00e9t\u00e9"]}""",
            MineMeldJson.Encode(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void TheOrderIsACPython27DictsAndDependsOnlyOnTheKeysAndTheirInsertionOrder()
    {
        Assert.Equal(["sources", "confidence", "first_seen", "type", "share_level", "last_seen"],
            MineMeldJson.PythonOrder(["type", "confidence", "share_level", "sources", "first_seen", "last_seen"]));
        Assert.Equal(MineMeldJson.PythonOrder(["a", "b", "c"]), MineMeldJson.PythonOrder(["c", "a", "b"]));
        Assert.Equal(20, MineMeldJson.PythonOrder([.. Enumerable.Range(0, 20).Select(static i => $"key{i}")]).Count);
    }
}
