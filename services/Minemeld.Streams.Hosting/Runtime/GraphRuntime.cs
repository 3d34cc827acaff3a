using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Runs the nodes of a graph in this process: miners (polled), processors and outputs (consumed). Which roles run
/// here is a choice (all of them for the embedded default; one role per container in compose); replicas of the
/// same roles elsewhere share the work through consumer groups and poll leases.
/// </summary>
public sealed class GraphRuntime : IAsyncDisposable
{
    private readonly List<IHostedService> _services = [];
    private readonly List<MinerNode> _miners = [];
    private readonly ITopicProvisioner _topics;
    private readonly NodeServiceFactory _factory;
    private readonly MessagePublisher _publisher;

    /// <summary>1 once <see cref="StopAsync"/> ran.</summary>
    private int _stopped;

    public GraphRuntime(
        NodeGraph graph,
        IReadOnlySet<NodeKind> roles,
        TopicNames names,
        IKafkaClientFactory kafka,
        MessagePublisher publisher,
        IStateStore store,
        ITopicProvisioner topics,
        IOptions<KafkaOptions> options,
        MinerRunOptions minerOptions,
        ILoggerFactory loggers,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(loggers);
        Graph = graph;
        _topics = topics;
        _factory = new NodeServiceFactory(graph, names, kafka, publisher, store, options, loggers, time);
        _publisher = publisher;
        // Every process of the graph places its messages alike, so an aggregator finds an address on the partition
        // its block has on the repartition topic (EdgePartitioner).
        publisher.Place(_factory.Topics());
        var shared = options.Value.Layout != "node";
        var sourceOptions = minerOptions.WithKafka(kafka, names);
        var readers = new Dictionary<NodeKind, List<string>>();
        foreach (var node in graph.TopologicalOrder().Where(n => roles.Contains(n.Kind)))
        {
            if (node.Kind == NodeKind.Miner)
            {
                var miner = new MinerNode(node, graph.Name, node.Output ? names.Edge(node.Name) : null, store, publisher, time, sourceOptions);
                _miners.Add(miner);
                _services.Add(new MinerService(miner, store.Hup, graph.Name, time, loggers.CreateLogger<MinerService>()));
            }
            else
            {
                if (node.Class.Name == NodeClassRegistry.SyslogMatcher)
                {
                    // The consumed side keeps the table; this matches the graph's syslog messages against it.
                    _services.Add(new Syslog.SyslogMatcherService(node, graph.Name, names, kafka, publisher, store, time, loggers.CreateLogger<Syslog.SyslogMatcherService>()));
                }

                if (node.Class.Name is NodeClassRegistry.DagPusher or NodeClassRegistry.DagPusherNg)
                {
                    // The consumed side writes what to register; this pushes it to the devices (one replica at a time).
                    _services.Add(new Dag.DagPusherService(node, graph.Name, store, minerOptions, time, loggers.CreateLogger<Dag.DagPusherService>()));
                }

                if (shared)
                {
                if (!readers.TryGetValue(node.Kind, out var role))
                {
                    readers[node.Kind] = role = [];
                }

                role.Add(node.Name);
                }
                else
                {
                    foreach (var (service, handler) in _factory.Create(node.Name))
                    {
                        _services.Add(service);
                        Handlers.Add(handler);
                    }
                }
            }
        }

        // Layout "role": one consumer group per role, and in this process ConsumersPerSubscription loops of it, each
        // serving every node of the role with handlers of its own (as replicas in separate processes would).
        foreach (var (kind, nodes) in readers)
        {
            for (var i = 0; i < options.Value.ConsumersPerSubscription; i++)
            {
                var loop = new RoleConsumerService(
                    names.RoleGroup(kind.ToString().ToLowerInvariant()), [.. nodes.Select(_factory.Reader)], kafka, publisher, options, loggers.CreateLogger<RoleConsumerService>());
                _services.Add(loop);
                Handlers.AddRange(loop.Handlers);
            }
        }

        // Added last, so it stops first: a stopping miner's released lease is not taken back by a tick.
        if (_services.OfType<MinerService>().ToList() is { Count: > 0 } minerServices)
        {
            LeaseKeeper = new MinerLeaseKeeper(minerServices, store, graph.Name, minerOptions, time, loggers.CreateLogger<MinerLeaseKeeper>());
            _services.Add(LeaseKeeper);
        }

        // A node's counters are summed over its handlers: an aggregator's router and the aggregation behind it.
        var statistics = INodeStatistics.Of(Handlers).Concat(_services.OfType<INodeStatistics>()).ToList();
        if (statistics.Count > 0)
        {
            StatusReporter = new NodeStatusReporter(graph, statistics, [.. Consumers], store, loggers.CreateLogger<NodeStatusReporter>());
            _services.Add(StatusReporter);
        }
    }

    public NodeGraph Graph { get; }

    /// <summary>The miners' lease keeper (null when this process runs no miner).</summary>
    public MinerLeaseKeeper? LeaseKeeper { get; }

    /// <summary>Writes the status of this process's consumed nodes (null when it runs none).</summary>
    public NodeStatusReporter? StatusReporter { get; }

    public List<IBatchHandler> Handlers { get; } = [];

    public IReadOnlyList<MinerNode> Miners => _miners;

    /// <summary>Every consumed node of this process (once per consume loop serving it), with its health.</summary>
    public IEnumerable<INodeConsumer> Consumers => _services.OfType<EdgeConsumerService>().Cast<INodeConsumer>()
        .Concat(_services.OfType<RoleConsumerService>().SelectMany(static r => r.Nodes));

    /// <summary>The consume loops of this process (one per role, or one per node with layout <c>node</c>).</summary>
    public int ConsumeLoops => _services.Count(static s => s is EdgeConsumerService or RoleConsumerService);

    /// <summary>The shared consume loops of the role layout (none with <c>Kafka:Layout=node</c>).</summary>
    public IEnumerable<RoleConsumerService> RoleLoops => _services.OfType<RoleConsumerService>();

    public IEnumerable<MinerService> MinerServices => _services.OfType<MinerService>();

    /// <summary>The DAG pushers of this process's outputs.</summary>
    public IEnumerable<Dag.DagPusherService> DagPushers => _services.OfType<Dag.DagPusherService>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _topics.EnsureAsync(_factory.Topics(), cancellationToken).ConfigureAwait(false);
        _publisher.LearnTopics(TimeSpan.FromSeconds(10));
        // Consumers first, so that the first polls find their readers joining.
        foreach (var service in _services.OrderBy(static s => s is MinerService ? 1 : 0).ToList())
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops every service, last started first, and writes the nodes' final status. Once: disposing a stopped runtime
    /// (or stopping it again) writes nothing more, so a caller that deleted the graph's keys after stopping finds
    /// them gone.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        foreach (var service in Enumerable.Reverse(_services))
        {
            await service.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (StatusReporter is not null)
        {
            try
            {
                await StatusReporter.ReportAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                // The last status is best effort: the store may be going away with us.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var service in _services.OfType<IDisposable>())
        {
            service.Dispose();
        }

        _miners.ForEach(static m => m.Dispose());
    }
}
