namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>
/// Collects config problems of one node, each at a path below its <c>config</c> (<c>age_out/default</c>).
/// </summary>
public sealed class ConfigIssues
{
    public List<(string Path, string Message)> Errors { get; } = [];

    public List<(string Path, string Message)> Warnings { get; } = [];

    public void Error(string path, string message) => Errors.Add((path, message));

    public void Warning(string path, string message) => Warnings.Add((path, message));
}
