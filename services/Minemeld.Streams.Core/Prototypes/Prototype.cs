using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Prototypes;

/// <summary>
/// A prototype (<c>library.name</c>): a node class plus a default config, with MineMeld's descriptive fields.
/// </summary>
public sealed record Prototype(
    string Library,
    string Name,
    string Class,
    JsonObject Config,
    string? NodeType,
    string? DevelopmentStatus,
    string? Description,
    string? Author,
    IReadOnlyList<string> IndicatorTypes,
    IReadOnlyList<string> Tags,
    SourceMap SourceMap,
    string SourcePath)
{
    public string FullName => $"{Library}.{Name}";

    /// <summary>
    /// Where this prototype differs from MineMeld's of the same name on purpose, and why (our library's
    /// <c>differs_from_minemeld</c> key); null when it has MineMeld's facts or MineMeld has no such prototype.
    /// </summary>
    public string? DiffersFromMineMeld { get; init; }
}
