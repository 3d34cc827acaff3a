using System.Diagnostics;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>The real worker executables, as their own OS processes, configured through their environment as compose would.</summary>
internal static class WorkerProcess
{
    /// <summary>Starts the aggregator worker (the processor role) for a graph file; its output is read and dropped.</summary>
    public static Process StartAggregator(string graphFile, string bootstrapServers, string redisEndpoint)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Minemeld.Streams.Aggregator.dll"));
        start.Environment["Graph__Path"] = graphFile;
        start.Environment["Kafka__BootstrapServers"] = bootstrapServers;
        start.Environment["Kafka__Assignor"] = "range";
        start.Environment["Kafka__SessionTimeoutMs"] = "6000";
        start.Environment["Kafka__CreateTopics"] = "false";
        start.Environment["Kafka__MaxBatchSize"] = "200";
        start.Environment["Redis__Configuration"] = redisEndpoint;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
