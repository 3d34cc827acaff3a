using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Graph;

/// <summary>
/// One problem found in a graph: how bad, which node and key (<c>config.age_out.default</c>), what is wrong, and
/// where it came from (the graph file, or the prototype file that supplied the value).
/// </summary>
public sealed record GraphDiagnostic(DiagnosticSeverity Severity, string? Node, string? Key, string Message, SourceLocation Location)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>A document that is not YAML at all, reported where the parser gave up.</summary>
    public static GraphDiagnostic InvalidYaml(YamlLoadException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(DiagnosticSeverity.Error, null, null, $"invalid YAML: {exception.Reason}", exception.Location);
    }

    public override string ToString()
    {
        var what = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var subject = (Node, Key) switch
        {
            (null, null) => string.Empty,
            (not null, null) => $"node '{Node}': ",
            (null, not null) => $"'{Key}': ",
            _ => $"node '{Node}', key '{Key}': ",
        };
        return $"{Location}: {what}: {subject}{Message}";
    }
}
