using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Aggregation;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Nodes.Outputs;
using Minemeld.Streams.Hosting.Nodes.Processors;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Runtime;

/// <summary>
/// Turns the nodes of a graph into consume loops: an output reads its inputs' edge topics; an aggregator reads its
/// inputs and its repartition topic in one group, applies what belongs to the repartition partitions it owns (by
/// indicator, or by address block for range aggregation) and forwards the rest to their owners through the
/// repartition topic (<see cref="InputRouter"/>), so that any number of replicas produce the same output.
/// </summary>
public sealed class NodeServiceFactory(
    NodeGraph graph,
    TopicNames names,
    IKafkaClientFactory factory,
    MessagePublisher publisher,
    IStateStore store,
    IOptions<KafkaOptions> options,
    ILoggerFactory loggers,
    TimeProvider time)
{
    /// <summary>Every topic the graph uses, with its partition count.</summary>
    public IReadOnlyList<(string Topic, int Partitions)> Topics() => GraphTopics.For(graph, names);

    /// <summary>
    /// The consume loops of a processor or output node, with the handlers that hold its state (layout <c>node</c>).
    /// </summary>
    public IReadOnlyList<(EdgeConsumerService Service, IBatchHandler Handler)> Create(string nodeName)
    {
        var (topics, handler, catchUp) = Plan(nodeName);
        return Loops(names.Group(nodeName), topics, options.Value.ConsumersPerSubscription, handler, catchUp);
    }

    /// <summary>
    /// A fresh handler for a node with the topics it reads, to be served by a role's shared loop (layout <c>role</c>).
    /// </summary>
    public NodeReader Reader(string nodeName)
    {
        var (topics, handler, catchUp) = Plan(nodeName);
        return new NodeReader(handler(), topics, catchUp);
    }

    /// <summary>
    /// What a node reads, how its handlers are made, and which topic it catches up on at an assignment.
    /// </summary>
    private (IReadOnlyList<string> Topics, Func<IBatchHandler> Handler, string? CatchUp) Plan(string nodeName)
    {
        var node = graph[nodeName];
        var inputs = node.Inputs.Select(names.Edge).ToList();
        switch (node.Kind)
        {
            case NodeKind.Output when node.Class.Name is NodeClassRegistry.DagPusher or NodeClassRegistry.DagPusherNg:
            {
                var infilters = Core.Filters.FilterSet.FromConfig(node.Config["infilters"], static (_, _) => { });
                var tagger = Core.Dag.DagTagger.FromConfig(node.Config);
                var ageOut = Core.Json.JsonNodeValues.TryGetInt64(node.Config["age_out"], out var seconds) ? seconds * 1000 : 3_600_000;
                return (inputs, () => new Dag.DagPusherHandler(graph.Name, node.Name, infilters, tagger, ageOut, store, time), null);
            }

            case NodeKind.Output when node.Class.Name == NodeClassRegistry.LogstashOutput:
            {
                var infilters = Core.Filters.FilterSet.FromConfig(node.Config["infilters"], static (_, _) => { });
                return (inputs, () => new Logstash.LogstashOutputHandler(node.Name, infilters, Logstash.LogstashSender.FromConfig(node.Config, time, defaultHost: "127.0.0.1")!), null);
            }

            case NodeKind.Output:
            {
                var settings = FeedOutputSettings.FromConfig(node.Config, node.Guard);
                var table = node.HasTableTopic ? new FeedOutputHandler.FeedTable(names.Table(node.Name), publisher, time) : null;
                return (inputs, () => new FeedOutputHandler(node.Name, settings, store.Feed(graph.Name, node.Name), table), null);
            }

            case NodeKind.Processor when node.Class.Name == NodeClassRegistry.SyslogMatcher:
                // Its table is shared through the state store (every matcher looks every address up), so its inputs
                // need no repartitioning.
                return (inputs, () => new Syslog.SyslogMatcherHandler(graph.Name, node.Name, node.Config, store), null);

            case NodeKind.Processor:
            {
                var repartition = names.Repartition(node.Name);
                var output = node.Output ? names.Edge(node.Name) : null;
                var (keys, partitionOf, aggregation) = node.Class.Name switch
                {
                    NodeClassRegistry.AggregateIPv4FT => (
                        Keys(AddressFamilyKind.IPv4),
                        EdgePartitioner.ForBlock,
                        Aggregation(AggregatorSettings.FromConfig(node.Inputs, node.Config, IndicatorTypes.IPv4), settings => new RangeAggregatorHandler<uint, IPv4Family>(
                            graph.Name, node.Name, output, settings, AddressBlocks.IPv4Range, store, publisher, time))),
                    NodeClassRegistry.AggregateIPv6FT => (
                        Keys(AddressFamilyKind.IPv6),
                        EdgePartitioner.ForBlock,
                        Aggregation(AggregatorSettings.FromConfig(node.Inputs, node.Config, IndicatorTypes.IPv6), settings => new RangeAggregatorHandler<UInt128, IPv6Family>(
                            graph.Name, node.Name, output, settings, AddressBlocks.IPv6Range, store, publisher, time))),
                    _ => (
                        ByIndicator(node),
                        (Func<string, int, int>)EdgePartitioner.ForKey,
                        Aggregation(AggregatorSettings.FromConfig(node.Inputs, node.Config, string.Empty), settings => new ExactAggregatorHandler(
                            graph.Name, node.Name, output, settings, store, publisher, time))),
                };
                return ([.. inputs, repartition], () => new InputRouter(repartition, node.Partitions, keys, partitionOf, aggregation(), publisher), repartition);
            }

            default:
                throw new InvalidOperationException($"{node.Name} is a miner: miners are polled, not consumed");
        }
    }

    /// <summary>A handler factory over settings read once for every loop.</summary>
    private static Func<IBatchHandler> Aggregation(AggregatorSettings settings, Func<AggregatorSettings, IBatchHandler> handler) => () => handler(settings);

    /// <summary>
    /// <paramref name="count"/> consume loops of one group, each with a handler of its own: members that split the
    /// partitions between them exactly as replicas in separate processes would.
    /// </summary>
    private List<(EdgeConsumerService Service, IBatchHandler Handler)> Loops(string group, IReadOnlyList<string> topics, int count, Func<IBatchHandler> handler, string? catchUp = null) =>
        [.. Enumerable.Range(0, count).Select(_ => handler()).Select(h => (Service(new Subscription(group, topics, catchUp), h), h))];

    private static Func<Core.Messages.IndicatorMessage, IReadOnlyList<string>> Keys(AddressFamilyKind family) =>
        message => AddressBlocks.Of(message.Indicator, family);

    private static Func<Core.Messages.IndicatorMessage, IReadOnlyList<string>> ByIndicator(GraphNode node)
    {
        var ignoreCase = node.Config["ignore_cases"] is { } flag && flag.GetValueKind() == System.Text.Json.JsonValueKind.True;
        return message => [ignoreCase ? message.Indicator.ToLowerInvariant() : message.Indicator];
    }

    private EdgeConsumerService Service(Subscription subscription, IBatchHandler handler) =>
        new(subscription, handler, factory, publisher, options, loggers.CreateLogger<EdgeConsumerService>());
}
