using System.Diagnostics;
using System.Text;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// <c>minemeld bench faults</c>, small: the real executable starts its own redis-server and embedded broker and runs
/// the graph as child <c>minemeld run</c> processes, kills them (the whole-graph process, then role processes), kills
/// redis-server and takes the broker down, each at a random point of a load; every round's feed must equal the
/// oracle and the aggregator must store exactly the live rows. The full figures (100,000 indicators, 20 kills of
/// each kind) are the benchmark's, in the README.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FaultBenchmarkTests
{
    // The round timeout is generous: now and then the clients take minutes to come back after a broker outage (the
    // mock broker set down seems to leave their connections open; requests in flight wait out socket.timeout.ms, 60 s,
    // then a produce waits its 30 s, then the node's retry backoff). The feed must still end at the oracle; the bench
    // prints how long each round took.
    [Fact]
    public async Task EveryRoundOfKillsRedisRestartsAndBrokerOutagesEndsWithTheOraclesFeed()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(RedisFixture.Binary is not null, "redis-server is not installed (apt-get install -y redis-server)");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment.Remove("Redis__Configuration");
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "minemeld.dll"), "bench", "faults", "--count", "4000", "--kills", "2",
            "--redis-restarts", "1", "--broker-outages", "1", "--seed", "20261203", "--redis-server", RedisFixture.Binary!, "--round-timeout", "300",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string text;
        lock (output)
        {
            text = output.ToString();
        }

        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Assert.True(process.ExitCode == 0, text);

        // Six faults (two kills of the one process, two of role processes, a Redis restart, a broker outage) in ten
        // rounds (four without a fault: the first load and a measured one per layout), each ending with the oracle's feed.
        Assert.Contains("faults: 6 faults in 10 rounds; 10 of 10 rounds ended with feed = oracle, 0 did not", text, StringComparison.Ordinal);
        Assert.Contains("kill -9 ", text, StringComparison.Ordinal);
    }
}
