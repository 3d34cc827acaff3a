using System.Diagnostics;
using System.Globalization;
using System.Text;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Cli;

/// <summary>
/// <c>minemeld run GRAPH --port PORT [ARGS]</c> as a child process started from the repository root, as the README
/// has it: its output is kept for failure messages, <see cref="InterruptAsync"/> sends Ctrl-C, and disposal kills
/// what is left.
/// </summary>
internal sealed class MinemeldRun : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private MinemeldRun(Process process, int port)
    {
        this.process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public bool HasExited => process.HasExited;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static MinemeldRun Start(string graph, params string[] arguments)
    {
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
        start.Environment.Remove("Redis__Configuration");
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "minemeld.dll"), "run", graph, "--port", port.ToString(CultureInfo.InvariantCulture), .. arguments])
        {
            start.ArgumentList.Add(arg);
        }

        var run = new MinemeldRun(Process.Start(start)!, port);
        run.process.OutputDataReceived += (_, e) => run.Append(e.Data);
        run.process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        run.process.BeginOutputReadLine();
        run.process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Ctrl-C, then the exit code once it has stopped (a minute at most).</summary>
    public async Task<int> InterruptAsync(CancellationToken cancellationToken)
    {
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(cancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
