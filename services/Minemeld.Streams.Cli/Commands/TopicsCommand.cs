using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Runtime;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld topics GRAPH --bootstrap-servers B</c>: creates the graph's edge, repartition, dead-letter and
/// (compacted) table topics on a real broker with the partitions the graph asks for (existing topics are left alone);
/// <c>--dry-run</c> lists them.
/// </summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var graph = new Argument<FileInfo>("graph") { Description = "Graph file." };
        var bootstrap = new Option<string>("--bootstrap-servers", "-b") { Description = "Kafka brokers.", DefaultValueFactory = static _ => "localhost:9092" };
        var prefix = new Option<string>("--prefix") { Description = "Topic prefix (Kafka:TopicPrefix).", DefaultValueFactory = static _ => "minemeld" };
        var replication = new Option<short>("--replication-factor") { Description = "Replicas per partition.", DefaultValueFactory = static _ => 1 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the topics." };
        var command = new Command("topics", "Create a graph's topics on a Kafka cluster.") { graph, bootstrap, prefix, replication, dryRun };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(graph)!, parse.GetValue(bootstrap)!, parse.GetValue(prefix)!, parse.GetValue(replication), parse.GetValue(dryRun), token));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, string bootstrap, string prefix, short replication, bool dryRun, CancellationToken cancellationToken)
    {
        var result = GraphLoader.LoadFile(file.FullName, PrototypeLibrary.Create());
        if (result.Graph is not { } graph)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine(error);
            }

            return 1;
        }

        var topics = GraphTopics.For(graph, new TopicNames(prefix, graph.Name));
        foreach (var (topic, partitions) in topics)
        {
            Console.WriteLine($"{topic}\t{partitions} partitions\t{string.Join(',', AdminTopicProvisioner.Configs(topic).Select(static c => $"{c.Key}={c.Value}"))}");
        }

        if (dryRun)
        {
            return 0;
        }

        var factory = new KafkaClientFactory(Options.Create(new KafkaOptions { BootstrapServers = bootstrap, TopicPrefix = prefix }), NullLogger<KafkaClientFactory>.Instance);
        await new AdminTopicProvisioner(factory, replication).EnsureAsync(topics, cancellationToken);
        Console.WriteLine($"{topics.Count} topics present on {bootstrap}");
        return 0;
    }
}
