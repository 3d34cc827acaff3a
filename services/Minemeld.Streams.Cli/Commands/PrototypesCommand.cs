using System.CommandLine;
using System.Text.Json;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld prototypes [--type miner|processor|output] [--differences] [NAME]</c>: list the library, or show one
/// prototype. Prototypes that differ from MineMeld's of the same name on purpose are marked, and say why.
/// <c>minemeld prototypes --check [--prototypes DIR]...</c> loads every prototype of the directories (the built-in
/// library without them) as a node and reports what would stop a graph from using it.
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
        var check = new Option<bool>("--check") { Description = "Load every prototype of the --prototypes directories (the built-in library without them) as a node; print each problem and a summary. Exit 1 if any is invalid." };
        var directories = DirectoriesOption();
        var command = new Command("prototypes", "List the prototype library, show one prototype, or check a library.") { type, differences, check, name, directories };
        command.SetAction(parse => parse.GetValue(check)
            ? Check(parse.GetValue(directories) ?? [])
            : Run(parse.GetValue(type), parse.GetValue(differences), parse.GetValue(name), parse.GetValue(directories) ?? []));
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

    private static int Check(string[] directories)
    {
        var library = PrototypeLibrary.Create(directories);
        var roots = directories.Select(static d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).ToList();
        var prototypes = library.All()
            .Where(p => roots.Count == 0
                ? p.SourcePath.StartsWith("builtin:", StringComparison.Ordinal)
                : roots.Exists(r => !p.SourcePath.StartsWith("builtin:", StringComparison.Ordinal) && Path.GetFullPath(p.SourcePath).StartsWith(r, StringComparison.Ordinal)))
            .ToList();
        foreach (var problem in library.LoadProblems())
        {
            Console.Error.WriteLine($"minemeld prototypes: {problem}");
        }

        var (invalid, warned) = (0, 0);
        var classes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var prototype in prototypes)
        {
            var result = PrototypeProbe.Load(library, prototype);
            var own = result.Diagnostics.Where(static d => d.Node is null or PrototypeProbe.NodeName).ToList();
            foreach (var diagnostic in own)
            {
                Console.WriteLine(PrototypeProbe.Describe(prototype, diagnostic));
            }

            if (!result.IsValid)
            {
                invalid++;
                classes[prototype.Class] = classes.GetValueOrDefault(prototype.Class) + 1;
            }
            else if (own.Count > 0)
            {
                warned++;
            }
        }

        var files = prototypes.Select(static p => p.SourcePath).Distinct(StringComparer.Ordinal).Count();
        var where = directories.Length == 0 ? "the built-in library" : string.Join(", ", directories);
        Console.WriteLine($"checked {prototypes.Count} prototypes in {files} files of {where}: {prototypes.Count - invalid} valid ({warned} with warnings), {invalid} invalid");
        if (classes.Count > 0)
        {
            Console.WriteLine($"  invalid by class: {string.Join(", ", classes.Select(static c => $"{c.Key} {c.Value}"))}");
        }

        return invalid == 0 ? 0 : 1;
    }
}
