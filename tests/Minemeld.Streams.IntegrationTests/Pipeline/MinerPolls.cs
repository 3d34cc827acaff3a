using Minemeld.Streams.Hosting.Nodes.Miners;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>One poll of a miner replica that holds (or takes) its lease, and what it must have ended in.</summary>
internal static class MinerPolls
{
    /// <summary>Retries without the production backoff, so that a failing poll's attempts take milliseconds.</summary>
    public static MinerRunOptions QuickRetries { get; } = new() { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20) };

    /// <summary>Polls and asserts the poll succeeded (PollAsync itself only says it ran).</summary>
    public static async Task PolledAsync(MinerNode miner)
    {
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
        Assert.True(miner.SubState == "SUCCESS", miner.LastError);
    }

    /// <summary>Polls and asserts the poll failed, its error saying each of <paramref name="saying"/>.</summary>
    public static async Task PollFailsAsync(MinerNode miner, params string[] saying)
    {
        Assert.True(await miner.PollAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ERROR", miner.SubState);
        foreach (var text in saying)
        {
            Assert.Contains(text, miner.LastError, StringComparison.Ordinal);
        }
    }
}
