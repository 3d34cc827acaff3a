using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Hosts the <see cref="GraphRuntime"/> for this process's roles. The graph is validated at start (an invalid graph
/// stops the process with every error); topics and consumers start in the background, retrying while Kafka is
/// not reachable yet, so health endpoints answer from the first second. A graph that differs from the committed one
/// (<see cref="GraphCommitter"/>) is not started until <c>minemeld commit</c> applied it.
/// </summary>
public sealed partial class GraphRuntimeService(
    GraphProvider graphs,
    IOptions<GraphOptions> graphOptions,
    IOptions<KafkaOptions> kafkaOptions,
    IKafkaClientFactory kafka,
    MessagePublisher publisher,
    IStateStore store,
    ITopicProvisioner topics,
    ILoggerFactory loggers,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan CommitPollInterval = TimeSpan.FromSeconds(5);

    public GraphRuntime? Runtime { get; private set; }

    /// <summary>
    /// Set while the graph differs from the committed one: the nodes wait for <c>minemeld commit</c>.
    /// </summary>
    public string? NotCommitted { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var graph = graphs.Graph;
        var roles = graphOptions.Value.Roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(static r => Enum.Parse<NodeKind>(r, ignoreCase: true)).ToHashSet();
        Runtime = new GraphRuntime(
            graph, roles, new TopicNames(kafkaOptions.Value.TopicPrefix, graph.Name), kafka, publisher, store, topics, kafkaOptions,
            new MinerRunOptions { GraphDirectory = Path.GetDirectoryName(Path.GetFullPath(graphOptions.Value.Path)) }, loggers, time);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Runtime is not null)
        {
            await Runtime.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<GraphRuntimeService>();
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await new GraphCommitter(store).CheckAsync(Runtime!.Graph, stoppingToken).ConfigureAwait(false) is { } difference)
                {
                    // Running a changed graph on the old state would mix the two: wait for the operator's commit.
                    if (difference != NotCommitted)
                    {
                        LogNotCommitted(logger, difference);
                    }

                    NotCommitted = difference;
                    await Task.Delay(CommitPollInterval, time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                NotCommitted = null;
                await Runtime.StartAsync(stoppingToken).ConfigureAwait(false);
                LogStarted(logger, Runtime.Graph.Name, graphOptions.Value.Roles);
                return;
            }
            catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or InvalidOperationException || StateStoreFaults.IsFault(ex))
            {
                LogStartFailed(logger, ex, delay.TotalSeconds);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Graph {Graph} running roles {Roles}")]
    private static partial void LogStarted(ILogger logger, string graph, string roles);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Not starting the graph's nodes: {Difference}")]
    private static partial void LogNotCommitted(ILogger logger, string difference);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Cannot start the graph yet (Kafka reachable? topics created?); retrying in {DelaySeconds} s")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, double delaySeconds);
}
