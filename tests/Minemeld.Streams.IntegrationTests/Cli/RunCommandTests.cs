using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.Cli;

/// <summary>
/// <c>minemeld run graphs/demo.yml</c> as a child process (embedded broker, every role, the feed server, a real Redis):
/// a seeded customer user fetches the expected list over HTTP, another user is refused, and Ctrl-C stops it cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RunCommandTests(RedisFixture redis)
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "fixtures", name));

    [Fact]
    public async Task TheDemoGraphServesItsFeedsToTheSeededUsers()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "minemeld.dll"), "run", "graphs/demo.yml", "--redis", await redis.EndpointAsync(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var baseSources = SeedScenarioTests.Ranges(Fixture("spamhaus-drop.txt"), Fixture("spamhaus-edrop.txt"), Fixture("dshield-block.txt"), tor: null);
            var torRows = SeedScenarioTests.Ranges(null, null, null, Fixture("tor-exit-addresses.txt"));
            var expected = RangeOracle.Pieces([.. baseSources, .. torRows], []);
            var actual = new List<string>();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(90) && !actual.SequenceEqual(expected))
            {
                Assert.False(process.HasExited, $"minemeld run exited early:\n{stdout}");
                await Task.Delay(500, ct);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/customerAFeed");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("customer-a:demo-customer-a"u8));
                    using var response = await client.SendAsync(request, ct);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        actual = [.. (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
            }

            Assert.True(actual.SequenceEqual(expected), $"customerAFeed held {actual.Count} entries, expected {expected.Count}\n{stdout}");
            using var refused = new HttpRequestMessage(HttpMethod.Get, "/feeds/customerAFeed");
            refused.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("acme-free:demo-acme-free"u8));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(refused, ct)).StatusCode);
            lock (stdout)
            {
                Assert.Contains($"feed  http://127.0.0.1:{port}/feeds/customerAFeed", stdout.ToString(), StringComparison.Ordinal);
                Assert.Contains("feed user customer-a / demo-customer-a", stdout.ToString(), StringComparison.Ordinal);
            }

            // Ctrl-C: a clean stop.
            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync(ct);
            }

            using var stopTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stopTimeout.CancelAfter(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(stopTimeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
