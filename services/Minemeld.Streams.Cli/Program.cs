using System.CommandLine;
using Minemeld.Streams.Cli.Commands;

var root = new RootCommand("minemeld: the Minemeld.Streams threat-intelligence feed engine")
{
    ValidateCommand.Create(),
    PrototypesCommand.Create(),
    RangesCommand.Create(),
    BenchCommand.Create(),
    UsersCommand.Create(),
    TopicsCommand.Create(),
    RunCommand.Create(),
    GraphCommand.Create(),
    CommitCommand.Create(),
};

return root.Parse(args).Invoke();
