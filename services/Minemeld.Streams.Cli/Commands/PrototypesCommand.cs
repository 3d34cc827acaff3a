using System.CommandLine;
using System.Text.Json;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld prototypes [--type miner|processor|output] [--differences] [NAME]</c>: list the library, or show one
/// prototype. Prototypes that differ from MineMeld's of the same name on purpose are marked, and say why.
/// </summary>
internal static class PrototypesCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Option<string[]> DirectoriesOption() => new("--prototypes", "-P")
    {
        Description = "Extra prototype directories (<library>.yml files), searched before MINEMELD_PROTOTYPE_PATH and the built-in library.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Create()
    {
        var type = new Option<string?>("--type", "-t") { Description = "Only prototypes of this node type." };
        type.AcceptOnlyFromAmong("miner", "processor", "output");
        var name = new Argument<string?>("name") { Description = "Show one prototype (library.name) in full.", Arity = ArgumentArity.ZeroOrOne };
        var differences = new Option<bool>("--differences") { Description = "Only prototypes that differ from MineMeld's of the same name on purpose, with the reason." };
        var directories = DirectoriesOption();
        var command = new Command("prototypes", "List the prototype library, or show one prototype.") { type, differences, name, directories };
        command.SetAction(parse => Run(parse.GetValue(type), parse.GetValue(differences), parse.GetValue(name), parse.GetValue(directories) ?? []));
        return command;
    }

    private static int Run(string? type, bool differences, string? name, string[] directories)
    {
        var library = PrototypeLibrary.Create(directories);
        if (name is not null)
        {
            if (!library.TryResolve(name, out var prototype, out var error))
            {
                Console.Error.WriteLine($"minemeld prototypes: {error}");
                return 1;
            }

            Console.WriteLine($"{prototype.FullName} ({prototype.NodeType}, {prototype.DevelopmentStatus})");
            Console.WriteLine($"  class: {prototype.Class}");
            Console.WriteLine($"  indicator types: {string.Join(", ", prototype.IndicatorTypes)}");
            Console.WriteLine($"  tags: {string.Join(", ", prototype.Tags)}");
            Console.WriteLine($"  source: {prototype.SourcePath}");
            Console.WriteLine($"  {prototype.Description}");
            if (prototype.DiffersFromMineMeld is { } why)
            {
                Console.WriteLine($"  differs from MineMeld: {why}");
            }

            Console.WriteLine("  config:");
            foreach (var line in prototype.Config.ToJsonString(Indented).Split('\n'))
            {
                Console.WriteLine($"    {line}");
            }

            return 0;
        }

        var rows = library.All()
            .Where(p => type is null || string.Equals(p.NodeType, type, StringComparison.Ordinal))
            .Where(p => !differences || p.DiffersFromMineMeld is not null)
            .ToList();
        var width = rows.Count == 0 ? 0 : rows.Max(static p => p.FullName.Length);
        foreach (var p in rows)
        {
            var marked = p.DiffersFromMineMeld is null ? p.FullName : p.FullName + "*";
            var text = differences ? p.DiffersFromMineMeld : p.Description;
            Console.WriteLine($"{marked.PadRight(width + 1)} {p.NodeType,-9}  {p.DevelopmentStatus,-12}  {string.Join(",", p.IndicatorTypes),-18}  {text}");
        }

        if (!differences && rows.Any(static p => p.DiffersFromMineMeld is not null))
        {
            Console.WriteLine("* differs from MineMeld's prototype of the same name on purpose: minemeld prototypes --differences");
        }

        foreach (var problem in library.LoadProblems())
        {
            Console.Error.WriteLine($"minemeld prototypes: {problem}");
        }

        return 0;
    }
}
