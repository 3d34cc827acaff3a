using System.CommandLine;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld validate GRAPH</c>: loads a graph (and its <c>GRAPH.users.yml</c> when present), prints every
/// error and warning with file, line, node and key; exits 0 when valid, 1 when not.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file in MineMeld's config format." };
        var prototypes = PrototypesCommand.DirectoriesOption();
        var users = new Option<FileInfo?>("--users") { Description = "Users file to check as well (default: GRAPH.users.yml when it exists)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print errors only." };
        var command = new Command("validate", "Check a graph: prototypes, classes, config values, edges, cycles.") { graph, prototypes, users, quiet };
        command.SetAction(parse => Run(parse.GetValue(graph)!, parse.GetValue(prototypes) ?? [], parse.GetValue(users), parse.GetValue(quiet)));
        return command;
    }

    private static int Run(FileInfo file, string[] prototypeDirectories, FileInfo? usersFile, bool quiet)
    {
        var library = PrototypeLibrary.Create(prototypeDirectories);
        var result = GraphLoader.LoadFile(file.FullName, library);
        var diagnostics = result.Diagnostics.ToList();
        usersFile ??= UsersFileFor(file);
        if (usersFile is { Exists: true })
        {
            var (_, userDiagnostics) = AccessConfigLoader.Parse(File.ReadAllText(usersFile.FullName), usersFile.FullName, result.Graph);
            diagnostics.AddRange(userDiagnostics);
        }

        foreach (var diagnostic in diagnostics.Where(d => d.IsError || !quiet))
        {
            (diagnostic.IsError ? Console.Error : Console.Out).WriteLine(diagnostic);
        }

        var errors = diagnostics.Count(static d => d.IsError);
        if (errors > 0)
        {
            Console.Error.WriteLine($"{file}: invalid, {errors} error{(errors == 1 ? string.Empty : "s")}");
            return 1;
        }

        if (!quiet)
        {
            var graph = result.Graph!;
            var kinds = graph.Nodes.GroupBy(static n => n.Kind).OrderBy(static g => g.Key).Select(static g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}{(g.Count() == 1 ? string.Empty : "s")}");
            var warnings = diagnostics.Count(static d => !d.IsError);
            Console.WriteLine($"{file}: graph '{graph.Name}' is valid: {graph.Nodes.Count} nodes ({string.Join(", ", kinds)}), {warnings} warning{(warnings == 1 ? string.Empty : "s")}" +
                (usersFile is { Exists: true } ? $"; users file {usersFile.Name} checked" : string.Empty));
        }

        return 0;
    }

    internal static FileInfo UsersFileFor(FileInfo graph) =>
        new(Path.Combine(graph.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(graph.Name) + ".users.yml"));
}
