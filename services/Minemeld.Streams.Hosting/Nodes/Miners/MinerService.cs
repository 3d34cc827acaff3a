using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// Schedules one miner: a poll every <c>interval</c> (and at once on a HUP: a local-list edit or an operator),
/// age-out sweeps every <c>age_out.interval</c> in between. A failed cycle is logged and retried at the next
/// interval; it never stops the host.
/// </summary>
public sealed partial class MinerService(MinerNode miner, IHupChannel hups, string graph, TimeProvider time, ILogger<MinerService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _hup = new(0, 1);

    public int Polls { get; private set; }

    public MinerNode Miner => miner;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscription = await hups.SubscribeAsync(graph, miner.Name, Hup, stoppingToken).ConfigureAwait(false);
        try
        {
            var nextPoll = time.GetUtcNow();
            var nextSweep = miner.SweepInterval is { } s ? time.GetUtcNow() + s : DateTimeOffset.MaxValue;
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var wake = nextPoll < nextSweep ? nextPoll : nextSweep;
                // Timers cannot wait longer than about 49.7 days at once: wait at most an hour, then look again.
                var wait = wake - now > MaxWait ? MaxWait : wake - now;
                var hup = wake > now && await _hup.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
                now = time.GetUtcNow();
                if (!hup && now < nextPoll && now < nextSweep)
                {
                    continue;
                }

                try
                {
                    if (hup || now >= nextPoll)
                    {
                        var polled = await miner.PollAsync(stoppingToken).ConfigureAwait(false);
                        Polls += polled ? 1 : 0;
                        LogPolled(logger, miner.Name, polled, miner.SubState, miner.Poller.Length, miner.LastError ?? string.Empty);
                        nextPoll = now + miner.Interval;
                    }
                    else
                    {
                        await miner.SweepAsync(stoppingToken).ConfigureAwait(false);
                        nextSweep = now + (miner.SweepInterval ?? TimeSpan.FromDays(3650));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogCycleFailed(logger, ex, miner.Name);
                    nextPoll = now + miner.Interval;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            try
            {
                // Released while stopping (the token has fired): another replica takes over now, not after the lease.
                await miner.ReleaseLeaseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                // The lease still expires on its own.
                LogReleaseFailed(logger, ex, miner.Name);
            }
        }
    }

    public override void Dispose()
    {
        _hup.Dispose();
        base.Dispose();
    }

    /// <summary>Polls at once (a HUP without pub/sub: the lease keeper's takeover or a list edit it noticed).</summary>
    public void Nudge() => Hup();

    private void Hup()
    {
        try
        {
            _hup.Release();
        }
        catch (SemaphoreFullException)
        {
            // A poll is already pending.
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Miner {Node}: polled {Polled} ({SubState}), {Length} indicators held {Error}")]
    private static partial void LogPolled(ILogger logger, string node, bool polled, string subState, int length, string error);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Miner {Node}: could not give up its lease at stop; it expires on its own")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string node);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Miner {Node}: poll cycle failed; retrying at the next interval")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception, string node);
}
