using System.CommandLine;
using Minemeld.Streams.Cli.Commands;
using Minemeld.Streams.Hosting.Extensions;

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

// On Ctrl-C or SIGTERM a command's token is cancelled and it may finish its work: `run` stops its host, which gives
// its loops the shutdown budget to finish their batches and commit. System.CommandLine's default two seconds would
// end the process (exit 130) in the middle of that.
return root.Parse(args).Invoke(new InvocationConfiguration
{
    ProcessTerminationTimeout = HostingExtensions.ShutdownTimeout + TimeSpan.FromSeconds(15),
});
