using System.ComponentModel.DataAnnotations;

namespace Minemeld.Streams.Hosting.Graph;

/// <summary>Which graph a worker runs, where extra prototypes are, and which roles run in this process.</summary>
public sealed class GraphOptions
{
    public const string SectionName = "Graph";

    /// <summary>The graph file (MineMeld's config format).</summary>
    [Required]
    public string Path { get; set; } = string.Empty;

    /// <summary>Extra prototype directories, searched before the built-in library.</summary>
    public List<string> PrototypeDirectories { get; set; } = [];

    /// <summary>Comma-separated roles: miner, processor, output (a worker image sets its own).</summary>
    [RegularExpression("^(miner|processor|output)(,(miner|processor|output))*$")]
    public string Roles { get; set; } = "miner,processor,output";
}
