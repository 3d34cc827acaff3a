namespace Minemeld.Streams.Core.Graph;

public enum DiagnosticSeverity
{
    Warning,
    Error,
}
