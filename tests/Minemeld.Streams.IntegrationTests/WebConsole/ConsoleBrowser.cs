using System.Diagnostics;
using Minemeld.Streams.IntegrationTests.Cli;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.WebConsole;

/// <summary>
/// The console's browser tests' world: Debian's Chromium, node with <c>playwright-core</c> (installed from
/// <c>tests/console/package-lock.json</c> on first use), and one <c>minemeld run</c> of the demo graph on the real
/// Redis, under a graph name of its own. A scenario is <c>node tests/console/console.e2e.mjs SCENARIO</c>; its
/// screenshots go to <see cref="Screenshots"/> under the test output.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    private static readonly string Scripts = Path.Combine(RepositoryPaths.Root, "tests", "console");
    private readonly RedisFixture redis;
    private MinemeldRun? run;
    private string? unavailable;

    public ConsoleBrowser(RedisFixture redis)
    {
        this.redis = redis;
    }

    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    public static string? Chromium => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } given
        ? given
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    private MinemeldRun Run => run ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        if (Chromium is null)
        {
            unavailable = "no Chromium (apt-get install -y chromium)";
            return;
        }

        if (!await ToolAsync("node", "--version"))
        {
            unavailable = "no node (apt-get install -y nodejs npm)";
            return;
        }

        if (!Directory.Exists(Path.Combine(Scripts, "node_modules", "playwright-core")) &&
            !await ToolAsync("npm", "ci", "--no-audit", "--no-fund", "--prefix", Scripts))
        {
            unavailable = "playwright-core is not installed and `npm ci --prefix tests/console` failed";
            return;
        }

        // The demo graph under its own name, so its state in the shared Redis is nobody else's; its fixtures by absolute path.
        var directory = Directory.CreateTempSubdirectory("minemeld-console-").FullName;
        var graph = File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "demo.yml"))
            .Replace("name: demo", $"name: console{Guid.NewGuid().ToString("N")[..8]}", StringComparison.Ordinal)
            .Replace("file:fixtures/", $"file:{Path.Combine(RepositoryPaths.Graphs, "fixtures")}/", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(directory, "demo.yml"), graph);
        File.Copy(Path.Combine(RepositoryPaths.Graphs, "demo.users.yml"), Path.Combine(directory, "demo.users.yml"));
        run = MinemeldRun.Start(Path.Combine(directory, "demo.yml"), "--redis", await redis.EndpointAsync());
        await PipelineHarness.EventuallyAsync(
            async () =>
            {
                Assert.False(run.HasExited, $"minemeld run exited:\n{run.Output}");
                try
                {
                    // Ready once the miners' first polls have reached the customer's feed.
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/customerAFeed");
                    request.Headers.Authorization = new("Basic", Convert.ToBase64String("customer-a:demo-customer-a"u8));
                    using var response = await run.Client.SendAsync(request);
                    return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 18;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the demo graph's customerAFeed filled",
            TimeSpan.FromSeconds(90));
    }

    /// <summary>Runs one scenario of the browser script; returns its output (FIGURE lines), or fails with it.</summary>
    public async Task<string> ScenarioAsync(string scenario, CancellationToken cancellationToken)
    {
        if (unavailable is not null)
        {
            Backend.Unavailable(unavailable);
        }

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Scripts };
        start.ArgumentList.Add("console.e2e.mjs");
        start.ArgumentList.Add(scenario);
        start.Environment["CONSOLE_URL"] = $"http://127.0.0.1:{Run.Port}";
        start.Environment["SCREENSHOTS"] = Screenshots;
        start.Environment["CHROMIUM"] = Chromium;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await output;
        var failure = (await errors).Split('\n').Where(static l => l.StartsWith("FAIL", StringComparison.Ordinal) || l.StartsWith("check", StringComparison.Ordinal));
        Assert.True(process.ExitCode == 0, $"scenario {scenario} failed (exit {process.ExitCode}): {string.Join('\n', failure)}\n{text}\n--- minemeld run ---\n{Tail(Run.Output)}");
        Assert.Contains($"PASS {scenario}", text, StringComparison.Ordinal);
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        if (run is not null)
        {
            await run.DisposeAsync();
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    private static async Task<bool> ToolAsync(string tool, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            await process.WaitForExitAsync();
            await drain;
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
