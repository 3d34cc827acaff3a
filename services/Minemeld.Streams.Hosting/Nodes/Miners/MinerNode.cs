using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Collections;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// One miner node (docs/minemeld-engine.md, "Miners: the per-poll diff"): a poll cycle fetches and parses the feed (or
/// reads the local list), diffs it against the table, applies sudden death (only after a successful poll), age-out and
/// GC, publishes the result and waits for the acks, then saves the table. A lease per node in the state store makes
/// sure replicas never poll the same feed twice in one interval; the lease holder also runs the age-out sweeps.
/// </summary>
public sealed class MinerNode : IDisposable
{
    /// <summary>Emissions produced per publish while a poll is diffed.</summary>
    private const int PublishSlice = 10_000;

    private readonly GraphNode _node;
    private readonly TimeProvider _time;
    private readonly MinerRunOptions _options;
    private readonly MinerStateStore _state;
    private readonly IMinerLease _lease;
    private readonly INodeStatusStore _status;
    private readonly IRecordStore _commands;
    /// <summary>A feed miner's source: fetch and parse (list miners read their list instead).</summary>
    private readonly MinerSource? _source;
    private readonly SemaphoreSlim _cycle = new(1, 1);
    private readonly NodeOutput _output;
    private bool _loaded;

    public MinerNode(GraphNode node, string graph, string? outputTopic, IStateStore store, MessagePublisher publisher, TimeProvider time, MinerRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        ArgumentNullException.ThrowIfNull(store);
        _time = time;
        _options = options;
        var pollerConfig = node.Class.PollerDefaults is { } defaults ? Core.Json.JsonMerge.Deep(defaults, node.Config) : node.Config;
        Poller = new Poller(PollerSettings.FromConfig(node.Name, pollerConfig, node.Guard, node.Class.DefaultSourceName));
        _state = new MinerStateStore(store.MinerTable(graph, node.Name));
        _lease = store.MinerLease(graph, node.Name);
        _status = store.Status(graph);
        _commands = store.NodeCommands(graph);
        _output = new NodeOutput(node.Name, outputTopic, FilterSet.FromConfig(node.Config["outfilters"], static (_, _) => { }), publisher, time);
        _source = MinerSource.For(node, graph, options, _state, time);
        if (_source is null)
        {
            List = new LocalListStore(store, graph, node.Name, node.Class.ForcedIndicatorType);
        }
    }

    public string Name => _node.Name;

    public Poller Poller { get; }

    /// <summary>The node's local list, for list miners; null for feed miners.</summary>
    public LocalListStore? List { get; }

    public string SubState { get; private set; } = "WAITING";

    public string? LastError { get; private set; }

    public TimeSpan Interval => TimeSpan.FromSeconds(Poller.Settings.IntervalSeconds);

    /// <summary>
    /// How long after its last poll a miner is overdue: its interval, plus a grace for retries and a slow source
    /// (a minute and a tenth of the interval). Status and <c>/readyz</c> report an overdue miner.
    /// </summary>
    public static TimeSpan OverdueAfter(int intervalSeconds) => TimeSpan.FromSeconds(intervalSeconds + 60 + (intervalSeconds / 10));

    /// <summary>
    /// Why this miner is overdue, when it holds its lease and has not polled in time; null otherwise.
    /// </summary>
    public string? Overdue(DateTimeOffset now)
    {
        if (!HoldsLease || Poller.LastRun is not { } last)
        {
            return null;
        }

        var since = now - DateTimeOffset.FromUnixTimeMilliseconds(last);
        return since > OverdueAfter(Poller.Settings.IntervalSeconds)
            ? $"{Name}: last poll {since.TotalSeconds:F0} s ago, interval {Poller.Settings.IntervalSeconds} s"
            : null;
    }

    public TimeSpan? SweepInterval => Poller.Settings.AgeOutIntervalSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>Polls if this instance holds (or takes) the lease. Returns false when another replica polls.</summary>
    public async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        await _cycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await TakeLeaseAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            SubState = "POLLING";
            var started = _time.GetTimestamp();
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            // A commit that reset nodes downstream left a rebuild: every live indicator is re-emitted, before the poll's own changes.
            var rebuild = RecordText.Of((await _commands.GetAsync([Name], cancellationToken).ConfigureAwait(false))[0]) == Runtime.GraphCommitter.RebuildCommand;
            var (items, succeeded) = await CollectAsync(now, cancellationToken).ConfigureAwait(false);
            await ApplyAndPublishAsync(
                async cycle =>
                {
                    if (rebuild)
                    {
                        await cycle.PublishAsync(Poller.Rebuild(now)).ConfigureAwait(false);
                    }

                    // Published in slices as the diff goes: the first messages are on their way (and downstream
                    // nodes at work) while later items are still being compared.
                    foreach (var slice in Poller.ApplyPollIncrementally(now, items, succeeded).Chunk(PublishSlice))
                    {
                        await cycle.PublishAsync(slice).ConfigureAwait(false);
                    }

                    if (Poller.Settings.SuddenDeath)
                    {
                        Poller.SuddenDeath();
                    }

                    await cycle.PublishAsync(Poller.AgeOut(now)).ConfigureAwait(false);
                    Poller.CollectGarbage(now);
                    await ResendUnsettledAsync(cycle, now).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (rebuild)
            {
                // The rebuild is saved: its command goes with it, even while stopping.
                await _commands.DeleteIfUnchangedAsync([RecordText.Entry(Name, Runtime.GraphCommitter.RebuildCommand)], CancellationToken.None).ConfigureAwait(false);
            }

            SubState = succeeded ? "SUCCESS" : "ERROR";
            Metrics.NodeMetrics.PollDuration.WithLabels(Name, succeeded ? "success" : "error").Observe(_time.GetElapsedTime(started).TotalSeconds);
            await WriteStatusAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _cycle.Release();
        }
    }

    /// <summary>An age-out sweep between polls (lease holder only).</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await _cycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await HoldsLeaseAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            await ApplyAndPublishAsync(
                async cycle =>
                {
                    await cycle.PublishAsync(Poller.AgeOut(now)).ConfigureAwait(false);
                    Poller.CollectGarbage(now);
                    await ResendUnsettledAsync(cycle, now).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            await WriteStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _cycle.Release();
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        _cycle.Dispose();
    }

    /// <summary>
    /// Runs one cycle's changes to the table, with what it publishes handed to the producer as it goes; returns once
    /// every message is acknowledged and the table is saved. If anything fails on the way, the table in memory is ahead
    /// of what was published and saved: it is dropped, and the next cycle starts from the saved one (and so publishes
    /// again what did not go out).
    /// </summary>
    private async Task ApplyAndPublishAsync(Func<CycleOutput, Task> apply, CancellationToken cancellationToken)
    {
        var cycle = new CycleOutput(_output, _state, cancellationToken);
        try
        {
            try
            {
                await apply(cycle).ConfigureAwait(false);
            }
            finally
            {
                // What was handed over is waited for even when the cycle failed half-way, so no publish is left behind.
                await cycle.AcknowledgedAsync().ConfigureAwait(false);
            }

            // The save runs to its end even while the process stops: the poll's messages are acknowledged, and saving
            // them now spares the next start a replay.
            await _state.SaveAsync(Poller, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            _loaded = false;
            throw;
        }
    }

    /// <summary>
    /// The poll's items. A list's entries stay UTF-8 and become items as the diff reaches them (enumerate once): a
    /// new row's value is written from their bytes, no tree per entry.
    /// </summary>
    private async Task<(IEnumerable<PollItem> Items, bool Succeeded)> CollectAsync(long now, CancellationToken cancellationToken)
    {
        if (List is not null)
        {
            // Read first: an edit made while the entries are read changes the stamp again, and the keeper polls again.
            PolledStamp = await List.StampAsync(cancellationToken).ConfigureAwait(false);
            var entries = await List.ReadStoredAsync(now, cancellationToken).ConfigureAwait(false);
            // In indicator order, as a rebuild and an age-out publish, not in the hash's: a poll's topic contents are
            // reproducible, and neighbouring indicators travel together (a range aggregator then writes a few address
            // blocks per batch instead of thousands, a feed's sorted set inserts next to the last member). Measured on
            // the 1M bench: Redis ZADD time 2.0-2.7 s instead of 4.8-5.9 s, HMSET calls 1.1k instead of 46k, process
            // CPU 29.5 s instead of 32.5-33.7 s, the sort included (a comparison sort then; OrdinalSort halves it).
            OrdinalSort.ByKey(entries);
            var (type, source) = (_node.Class.ForcedIndicatorType, _node.Name);
            return (entries.Select(e => ListEntry.Item(e.Key, e.Value.Span, type, source)), true);
        }

        var items = new List<PollItem>();
        var attempts = Math.Max(1, Poller.Settings.NumRetries);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                var report = new FeedParseReport();
                items = [.. (await _source!.CollectAsync(report, cancellationToken).ConfigureAwait(false)).Select(static i => new PollItem(i.Indicator, i.Attributes))];
                Poller.Counters.ParseErrors += report.Errors;
                if (report.Failure is not null)
                {
                    items = []; // nothing of a document that could not be read is applied
                    throw new FeedFetchException($"{_source.Name}: {report.Failure}");
                }

                LastError = report.Errors > 0 ? $"{report.Errors} lines not parsed, e.g. {report.ErrorSamples[0]}" : null;
                return (items, true);
            }
            catch (FeedFetchException ex)
            {
                LastError = ex.Message;
                SubState = "ERROR";
                if (attempt < attempts)
                {
                    var span = _options.MaxRetryDelay - _options.MinRetryDelay;
                    await Task.Delay(_options.MinRetryDelay + (span * Random.Shared.NextDouble()), _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return (items, false);
    }

    private async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var version = await _state.ReadVersionAsync(cancellationToken).ConfigureAwait(false);
        if (!_loaded || version != _state.Version)
        {
            await _state.LoadAsync(Poller, cancellationToken).ConfigureAwait(false);
            _loaded = true;
        }
    }

    /// <summary>
    /// After a cycle that published without saving (a crash, a failed save), the indicators it journaled are
    /// published again as the table now has them, once this cycle's own diff is out.
    /// </summary>
    private Task ResendUnsettledAsync(CycleOutput cycle, long now) =>
        _state.Unsettled.Count == 0
            ? Task.CompletedTask
            : cycle.PublishAsync(Poller.Resend(_state.Unsettled.Where(u => !cycle.Published(u.Indicator)), now));

    /// <summary>
    /// The publishes of one cycle, in slices: each is journaled (awaited) and then produced at once; all are
    /// acknowledged together at the end.
    /// </summary>
    private sealed class CycleOutput(NodeOutput output, MinerStateStore state, CancellationToken cancellationToken)
    {
        private readonly List<Task> _sent = [];

        /// <summary>
        /// What this cycle published, kept only while an earlier cycle's journal is being settled (the common case
        /// keeps nothing): a journaled indicator the diff published again needs no second message.
        /// </summary>
        private readonly HashSet<string>? _published = state.Unsettled.Count > 0 ? new(StringComparer.Ordinal) : null;

        public bool Published(string indicator) => _published?.Contains(indicator) ?? false;

        public async Task PublishAsync(IReadOnlyList<Core.Messages.Emission> emissions)
        {
            for (var start = 0; start < emissions.Count; start += PublishSlice)
            {
                if (_sent.Count > 0 && _sent[^1].IsFaulted)
                {
                    // The producer refused the previous slice: stop here rather than publish past a gap.
                    await _sent[^1].ConfigureAwait(false);
                }

                var slice = start == 0 && emissions.Count <= PublishSlice ? emissions : emissions.Skip(start).Take(PublishSlice).ToList();
                await state.JournalAsync(slice, cancellationToken).ConfigureAwait(false);
                if (_published is not null)
                {
                    foreach (var emission in slice)
                    {
                        _published.Add(emission.Indicator);
                    }
                }

                _sent.Add(output.PublishAsync(slice, counters: null /* the poller counts its own emissions */, cancellationToken));
            }
        }

        public Task AcknowledgedAsync() => Task.WhenAll(_sent);
    }

    /// <summary>
    /// Whether this instance held the lease at its last look (a poll, a sweep or the keeper's renewal).
    /// </summary>
    public bool HoldsLease { get; private set; }

    /// <summary>The list's edit stamp as the last poll read it, before reading the entries (list miners).</summary>
    public string? PolledStamp { get; private set; }

    /// <summary>
    /// Renews the lease, or takes it when its holder is gone; true when this instance holds it now and did not at its
    /// previous look (then it polls at once: a takeover).
    /// </summary>
    public async Task<bool> KeepLeaseAsync(CancellationToken cancellationToken)
    {
        var held = HoldsLease;
        return await TakeLeaseAsync(cancellationToken).ConfigureAwait(false) && !held;
    }

    private async Task<bool> TakeLeaseAsync(CancellationToken cancellationToken) => HoldsLease = await _lease.TryAcquireAsync(_options.InstanceId, _options.LeaseTtl, cancellationToken).ConfigureAwait(false);

    private Task<bool> HoldsLeaseAsync(CancellationToken cancellationToken) => _lease.IsHeldByAsync(_options.InstanceId, cancellationToken);

    /// <summary>
    /// Gives this instance's lease up (a clean stop): another replica polls at its next look instead of after the
    /// interval.
    /// </summary>
    public async Task ReleaseLeaseAsync(CancellationToken cancellationToken)
    {
        HoldsLease = false;
        await _lease.ReleaseAsync(_options.InstanceId, cancellationToken).ConfigureAwait(false);
    }

    private Task WriteStatusAsync(CancellationToken cancellationToken)
    {
        var statistics = new JsonObject
        {
            ["added"] = Poller.Counters.Added,
            ["removed"] = Poller.Counters.Removed,
            ["aged_out"] = Poller.Counters.AgedOut,
            ["garbage_collected"] = Poller.Counters.GarbageCollected,
            ["update.tx"] = Poller.Counters.UpdateTx,
            ["withdraw.tx"] = Poller.Counters.WithdrawTx,
            ["error.parsing"] = Poller.Counters.ParseErrors,
            ["error.polling"] = Poller.Counters.PollErrors,
            ["drop.overbroad"] = Poller.Counters.OverBroad,
        };
        Metrics.NodeMetrics.Report(Name, statistics.Select(static s => KeyValuePair.Create(s.Key, s.Value!.GetValue<long>())), Poller.Length);
        return _status.WriteAsync(Name, _node.ClassName, "miner", new JsonObject
        {
            ["state"] = 5,
            ["length"] = Poller.Length,
            ["statistics"] = statistics,
            ["last_run"] = Poller.LastRun,
            ["last_successful_run"] = Poller.LastSuccessfulRun,
            ["sub_state"] = SubState,
            ["sub_state_message"] = LastError,
        }, cancellationToken);
    }
}
