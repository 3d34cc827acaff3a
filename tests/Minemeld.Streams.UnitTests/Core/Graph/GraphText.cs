using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.UnitTests.Core.Graph;

internal static class GraphText
{
    public static GraphLoadResult Load(string yaml, PrototypeLibrary? library = null) =>
        GraphLoader.Parse(yaml, "test.yml", "test", library ?? PrototypeLibrary.BuiltIn);

    public static string[] Errors(GraphLoadResult result) => [.. result.Errors.Select(static e => e.ToString())];
}
