namespace Minemeld.Streams.UnitTests.Cli;

/// <summary>
/// <c>minemeld topics --dry-run</c> lists what the workers would create: edges, repartitions, dead letters, and a
/// compacted table topic per feed output.
/// </summary>
public sealed class TopicsCommandTests
{
    [Fact]
    public async Task ListsEveryTopicOfTheGraphWithItsPartitions()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("topics", Path.Combine(RepositoryPaths.Graphs, "customer-a.yml"), "--dry-run", "--prefix", "mm");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("mm.customer-a.spamhaus_DROP\t6 partitions\tcompression.type=producer", lines);
        Assert.Contains("mm.customer-a.spamhaus_DROP.dlq\t1 partitions\tcompression.type=producer", lines);
        Assert.Contains("mm.customer-a.customerA.repartition\t6 partitions\tcompression.type=producer", lines);

        // A feed has no edge topic (it publishes nothing downstream), only its table, and only the table is compacted.
        Assert.Equal(
            ["mm.customer-a.customerAFeed.table\t6 partitions\tcompression.type=producer,cleanup.policy=compact"],
            lines.Where(static l => l.StartsWith("mm.customer-a.customerAFeed", StringComparison.Ordinal)));
        Assert.Equal(
            ["mm.customer-a.customerAFeed.table", "mm.customer-a.freeBaseOffering.table", "mm.customer-a.premiumOffering.table"],
            lines.Where(static l => l.Contains("cleanup.policy=compact", StringComparison.Ordinal)).Select(static l => l.Split('\t')[0]).Order(StringComparer.Ordinal));
    }
}
