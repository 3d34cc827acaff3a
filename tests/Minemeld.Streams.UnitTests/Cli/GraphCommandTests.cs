namespace Minemeld.Streams.UnitTests.Cli;

/// <summary><c>minemeld graph</c> draws the graph; the README's picture is its output, kept in sync by this test.</summary>
public sealed class GraphCommandTests
{
    [Fact]
    public async Task TheReadmePictureIsTheRenderedSeedGraph()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("graph", Path.Combine(RepositoryPaths.Graphs, "customer-a.yml"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("n_customerA --> n_customerAFeed", stdout, StringComparison.Ordinal);
        Assert.Contains("n_wlCustomerA --> n_customerA", stdout, StringComparison.Ordinal);
        Assert.Contains("n_tor_exit_nodes[/\"tor_exit_nodes<br/><small>tor.exit_addresses</small>\"/]", stdout, StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Contains("```mermaid\n" + stdout + "```", readme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidGraphPrintsItsErrors()
    {
        var file = Path.GetTempFileName() + ".yml";
        File.WriteAllText(file, "nodes:\n  a: {prototype: stdlib.nope}\n");
        try
        {
            var (exit, _, stderr) = await CliProcess.RunAsync("graph", file);
            Assert.Equal(1, exit);
            Assert.Contains("stdlib.nope", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
