using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// One loop per process for all its miners, every third of <see cref="MinerRunOptions.LeaseTtl"/>: renews the leases
/// this replica holds and takes those whose holder stopped renewing (a dead process), polling those at once; then
/// reads every local list's edit stamp in one call and polls the lists edited since their last poll, so an edit
/// whose HUP was lost (Redis restarted, a subscriber reconnecting) still reaches the feed within seconds.
/// The lease calls are sent together (the Redis client pipelines them), so a thousand miners cost a few
/// round trips per tick, not a thousand timers.
/// </summary>
public sealed partial class MinerLeaseKeeper(
    IReadOnlyList<MinerService> miners,
    IStateStore store,
    string graph,
    MinerRunOptions options,
    TimeProvider time,
    ILogger<MinerLeaseKeeper> logger) : BackgroundService
{
    private readonly IRecordStore _stamps = store.ListStamps(graph);
    private readonly string[] _lists = [.. miners.Where(static m => m.Miner.List is not null).Select(static m => m.Miner.Name)];

    /// <summary>Per miner, where its stamp is in <see cref="_lists"/> (-1: not a list miner).</summary>
    private readonly int[] _stampIndex = StampIndex(miners);

    private DateTimeOffset _lastTick = time.GetUtcNow();

    /// <summary>Ticks completed (for tests that wait for one).</summary>
    public int Ticks { get; private set; }

    /// <summary>
    /// Why leases may have lapsed: no tick has completed for a whole lease (Redis failing); null otherwise.
    /// </summary>
    public string? Lapsed(DateTimeOffset now) =>
        now - _lastTick > options.LeaseTtl
            ? $"miner leases: not renewed for {(now - _lastTick).TotalSeconds:F0} s (lease {options.LeaseTtl.TotalSeconds:F0} s); another replica may take the miners over"
            : null;

    /// <summary>One look at every lease and list stamp; returns the miners nudged.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        var gained = await Task.WhenAll(miners.Select(m => m.Miner.KeepLeaseAsync(cancellationToken))).ConfigureAwait(false);
        var nudged = 0;
        for (var i = 0; i < miners.Count; i++)
        {
            if (gained[i])
            {
                LogTakenOver(logger, miners[i].Miner.Name);
                miners[i].Nudge();
                nudged++;
            }
        }

        if (_lists.Length > 0)
        {
            var stamps = await _stamps.GetAsync(_lists, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < miners.Count; i++)
            {
                var miner = miners[i].Miner;
                if (_stampIndex[i] >= 0 && !gained[i] && miner.HoldsLease && RecordText.Of(stamps[_stampIndex[i]]) != miner.PolledStamp)
                {
                    miners[i].Nudge();
                    nudged++;
                }
            }
        }

        Ticks++;
        _lastTick = time.GetUtcNow();
        return nudged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (miners.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.LeaseTtl / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await TickAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (StateStoreFaults.IsFault(ex))
                {
                    // Leases not renewed now expire on their own; the next tick tries again.
                    LogTickFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static int[] StampIndex(IReadOnlyList<MinerService> miners)
    {
        var index = new int[miners.Count];
        var next = 0;
        for (var i = 0; i < miners.Count; i++)
        {
            index[i] = miners[i].Miner.List is not null ? next++ : -1;
        }

        return index;
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Miner {Node}: lease taken over (its holder stopped renewing it); polling now")]
    private static partial void LogTakenOver(ILogger logger, string node);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Miner leases: renewal failed; retrying at the next tick")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
