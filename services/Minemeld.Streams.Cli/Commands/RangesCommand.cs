using System.CommandLine;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld ranges merge|common|exclude|diff FILES</c>: set algebra over lists of IPs, CIDRs and ranges, printed
/// as the minimal CIDR list (the job of FireHOL's <c>iprange</c>, with IPv6 too).
/// </summary>
internal static class RangesCommand
{
    private const int MaxErrorsShown = 20;

    public static Command Create()
    {
        var command = new Command("ranges", "Set algebra over files of IPs, CIDRs and ranges (IPv4 and IPv6), printed as minimal CIDRs.");
        command.Subcommands.Add(Operation("merge", "Union of all files.", 1, static lists => RangeList.Union(lists)));
        command.Subcommands.Add(Operation("common", "Addresses present in every file.", 1,
            static lists => lists.Skip(1).Aggregate(lists[0], static (acc, next) => acc.Intersect(next))));
        command.Subcommands.Add(Operation("exclude", "The first file minus every other file.", 2,
            static lists => lists[0].Except(RangeList.Union([.. lists.Skip(1)]))));
        command.Subcommands.Add(Operation("diff", "Addresses in the first file or in the others, but not both.", 2,
            static lists => lists[0].SymmetricDifference(RangeList.Union([.. lists.Skip(1)]))));
        return command;
    }

    private static Command Operation(string name, string description, int minFiles, Func<IReadOnlyList<RangeList>, RangeList> apply)
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Files with one IP, CIDR (a.b.c.d/n) or range (a-b) per line; '-' reads standard input.",
            Arity = new ArgumentArity(minFiles, ArgumentArity.ZeroOrMore.MaximumNumberOfValues),
        };
        var strict = new Option<bool>("--strict") { Description = "Exit with status 3 when any line was not an IP, CIDR or range." };
        var command = new Command(name, description) { files, strict };
        command.SetAction(parse => Run(parse.GetValue(files)!, parse.GetValue(strict), apply));
        return command;
    }

    private static int Run(string[] files, bool strict, Func<IReadOnlyList<RangeList>, RangeList> apply)
    {
        var errors = new List<RangeLineError>();
        var lists = new List<RangeList>(files.Length);
        foreach (var file in files)
        {
            string text;
            try
            {
                text = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"minemeld ranges: cannot read {file}: {ex.Message}");
                return 2;
            }
            catch (UnauthorizedAccessException ex)
            {
                Console.Error.WriteLine($"minemeld ranges: cannot read {file}: {ex.Message}");
                return 2;
            }

            lists.Add(RangeListReader.Read(text, file == "-" ? "<stdin>" : file, errors));
        }

        var result = apply(lists);
        using (var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16))
        {
            RangeListWriter.WriteCidrs(result, stdout);
        }

        foreach (var error in errors.Take(MaxErrorsShown))
        {
            Console.Error.WriteLine($"minemeld ranges: skipped {error}");
        }

        if (errors.Count > MaxErrorsShown)
        {
            Console.Error.WriteLine($"minemeld ranges: skipped {errors.Count - MaxErrorsShown} more lines that were not IPs, CIDRs or ranges");
        }

        return strict && errors.Count > 0 ? 3 : 0;
    }
}
