namespace Minemeld.Streams.Core.Yaml;

/// <summary>A YAML document that could not be read at all (syntax error), with where.</summary>
public sealed class YamlLoadException : Exception
{
    public YamlLoadException(string message, SourceLocation location, Exception? inner = null)
        : base($"{location}: {message}", inner)
    {
        Location = location;
        Reason = message;
    }

    public YamlLoadException()
    {
    }

    public YamlLoadException(string message)
        : base(message)
    {
    }

    public YamlLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SourceLocation Location { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; } = string.Empty;
}
