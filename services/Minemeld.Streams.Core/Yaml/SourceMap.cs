namespace Minemeld.Streams.Core.Yaml;

/// <summary>
/// Locations of the nodes of a YAML document, by path (<c>nodes/feed/config/url</c>; list items by index), so a
/// validation error can name the line it is about.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourceLocation> _locations = new(StringComparer.Ordinal);

    public SourceMap(string source)
    {
        Source = source;
    }

    public static SourceMap None { get; } = new("<memory>");

    public string Source { get; }

    public static string Path(params ReadOnlySpan<string> segments) => string.Join('/', segments.ToArray());

    internal void Add(string path, SourceLocation location) => _locations.TryAdd(path, location);

    public bool Contains(string path) => _locations.ContainsKey(path);

    /// <summary>The location of the path, or of its nearest ancestor that has one.</summary>
    public SourceLocation Find(string path)
    {
        while (true)
        {
            if (_locations.TryGetValue(path, out var location))
            {
                return location;
            }

            var slash = path.LastIndexOf('/');
            if (slash < 0)
            {
                return _locations.TryGetValue(string.Empty, out var root) ? root : new SourceLocation(Source, 0, 0);
            }

            path = path[..slash];
        }
    }
}
