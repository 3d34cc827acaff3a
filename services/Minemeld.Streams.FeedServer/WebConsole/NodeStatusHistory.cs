using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Minemeld.Streams.FeedServer.Status;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.WebConsole;

/// <summary>One point of a node's status history: when, its state, length and counters.</summary>
public sealed record StatusSample(long At, int? State, string? SubState, long? Length, IReadOnlyDictionary<string, long> Counters);

/// <summary>
/// The recent status of every node, for the console's node page: this process reads the graph's status every
/// <see cref="FeedServerOptions.ConsoleHistorySeconds"/> and keeps, per node, the last
/// <see cref="FeedServerOptions.ConsoleHistorySamples"/> samples that differ from the one before (an idle node holds
/// one sample however long it idles). It lives in memory: a restarted feed server starts a new history.
/// </summary>
public sealed partial class NodeStatusHistory(NodeStatusReader reader, TimeProvider time, IOptions<FeedServerOptions> options, ILogger<NodeStatusHistory> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, LinkedList<StatusSample>> _samples = new(StringComparer.Ordinal);

    public IReadOnlyList<StatusSample> Of(string node)
    {
        if (!_samples.TryGetValue(node, out var samples))
        {
            return [];
        }

        lock (samples)
        {
            return [.. samples];
        }
    }

    /// <summary>
    /// Adds one reading of every node (what the timer does; public for tests that do not wait for it).
    /// </summary>
    public void Record(JsonArray statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var keep = options.Value.ConsoleHistorySamples;
        foreach (var status in statuses.OfType<JsonObject>())
        {
            if (status["name"]?.GetValue<string>() is not { } name)
            {
                continue;
            }

            var sample = new StatusSample(
                now,
                status["state"] is JsonValue state && state.TryGetValue<int>(out var s) ? s : null,
                status["sub_state"] is JsonValue sub && sub.TryGetValue<string>(out var ss) ? ss : null,
                status["length"] is JsonValue length && length.TryGetValue<long>(out var l) ? l : null,
                (status["statistics"] as JsonObject ?? []).ToDictionary(static c => c.Key, static c => c.Value is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0, StringComparer.Ordinal));
            var samples = _samples.GetOrAdd(name, static _ => new LinkedList<StatusSample>());
            lock (samples)
            {
                if (samples.Last?.Value is { } last && Same(last, sample))
                {
                    continue;
                }

                samples.AddLast(sample);
                while (samples.Count > keep)
                {
                    samples.RemoveFirst();
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ConsoleHistorySeconds), time);
        try
        {
            do
            {
                try
                {
                    Record(await reader.ReadAllAsync(stoppingToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (StateStoreFaults.IsFault(ex))
                {
                    LogUnavailable(logger, ex.Message); // a gap in the history, nothing else
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host stops
        }
    }

    private static bool Same(StatusSample a, StatusSample b) =>
        a.State == b.State && a.SubState == b.SubState && a.Length == b.Length &&
        a.Counters.Count == b.Counters.Count && a.Counters.All(c => b.Counters.TryGetValue(c.Key, out var v) && v == c.Value);

    [LoggerMessage(EventId = 740, Level = LogLevel.Debug, Message = "Status history: the state store did not answer ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
