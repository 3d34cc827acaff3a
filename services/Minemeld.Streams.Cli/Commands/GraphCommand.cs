using System.CommandLine;
using System.Text;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld graph GRAPH</c>: the graph as a Mermaid flowchart (miners, processors and feeds in three shapes, edges
/// in input order), as the README shows it. Invalid graphs print their errors and exit 1.
/// </summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file." };
        var prototypes = PrototypesCommand.DirectoriesOption();
        var command = new Command("graph", "Render a graph as a Mermaid flowchart (paste into Markdown).") { graph, prototypes };
        command.SetAction(parse =>
        {
            var result = GraphLoader.LoadFile(parse.GetValue(graph)!.FullName, PrototypeLibrary.Create(parse.GetValue(prototypes) ?? []));
            if (result.Graph is null)
            {
                foreach (var error in result.Errors)
                {
                    Console.Error.WriteLine(error);
                }

                return 1;
            }

            Console.Out.Write(Mermaid(result.Graph));
            return 0;
        });
        return command;
    }

    internal static string Mermaid(NodeGraph graph)
    {
        var text = new StringBuilder().AppendLine("flowchart LR");
        foreach (var node in graph.TopologicalOrder())
        {
            var label = $"{node.Name}<br/><small>{node.Prototype ?? node.ClassName}</small>";
            text.Append("    ").Append(Id(node.Name)).Append(node.Kind switch
            {
                NodeKind.Miner => $"[/\"{label}\"/]",
                NodeKind.Output => $"[(\"{label}\")]",
                _ => $"[\"{label}\"]",
            }).AppendLine();
        }

        foreach (var node in graph.TopologicalOrder())
        {
            foreach (var input in node.Inputs)
            {
                text.Append("    ").Append(Id(input)).Append(" --> ").AppendLine(Id(node.Name));
            }
        }

        text.AppendLine("    classDef miner fill:#e3f2fd,stroke:#1565c0");
        text.AppendLine("    classDef processor fill:#fff3e0,stroke:#ef6c00");
        text.AppendLine("    classDef output fill:#e8f5e9,stroke:#2e7d32");
        foreach (var kind in new[] { NodeKind.Miner, NodeKind.Processor, NodeKind.Output })
        {
            var names = graph.Nodes.Where(n => n.Kind == kind).Select(static n => Id(n.Name)).ToList();
            if (names.Count > 0)
            {
                text.Append("    class ").Append(string.Join(',', names)).Append(' ').AppendLine(kind.ToString().ToLowerInvariant());
            }
        }

        return text.ToString();
    }

    private static string Id(string name) => "n_" + new string([.. name.Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
}
