namespace Minemeld.Streams.UnitTests.Cli;

/// <summary><c>minemeld topics --dry-run</c> lists what the workers would create: edges, repartitions, dead letters.</summary>
public sealed class TopicsCommandTests
{
    [Fact]
    public async Task ListsEveryTopicOfTheGraphWithItsPartitions()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("topics", Path.Combine(RepositoryPaths.Graphs, "customer-a.yml"), "--dry-run", "--prefix", "mm");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("mm.customer-a.spamhaus_DROP\t6 partitions", lines);
        Assert.Contains("mm.customer-a.spamhaus_DROP.dlq\t1 partitions", lines);
        Assert.Contains("mm.customer-a.customerA.repartition\t6 partitions", lines);
        Assert.DoesNotContain(lines, static l => l.StartsWith("mm.customer-a.customerAFeed", StringComparison.Ordinal)); // a feed publishes nothing
    }
}
