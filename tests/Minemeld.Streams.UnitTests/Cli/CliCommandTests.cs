namespace Minemeld.Streams.UnitTests.Cli;

public sealed class CliCommandTests
{
    [Fact]
    public async Task ValidateAcceptsTheDemoGraphAndChecksItsUsersFile()
    {
        var (code, stdout, _) = await CliProcess.RunAsync("validate", "graphs/demo.yml");
        Assert.Equal(0, code);
        Assert.Contains("graph 'demo' is valid: 12 nodes (6 miners, 3 processors, 3 outputs)", stdout, StringComparison.Ordinal);
        Assert.Contains("users file demo.users.yml checked", stdout, StringComparison.Ordinal);
        Assert.Contains("clear-text password", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateListsEveryErrorAndFails()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mm-bad-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, """
            nodes:
              m: {prototype: spamhaus.DROP, output: true, config: {interval: -1}}
              a: {prototype: stdlib.aggregatorIPv4Generic, inputs: [m, ghost], output: true}
              f: {prototype: stdlib.feedHCGreen, inputs: [a], output: true}
            """, TestContext.Current.CancellationToken);
        try
        {
            var (code, stdout, stderr) = await CliProcess.RunAsync("validate", file);
            Assert.Equal(1, code);
            Assert.Contains(":2:66: error: node 'm', key 'config.interval': must be between 1 and", stderr, StringComparison.Ordinal);
            Assert.Contains(":3:60: error: node 'a', key 'inputs': a -> ghost is unknown", stderr, StringComparison.Ordinal);
            Assert.Contains("warning: node 'f', key 'output': f is a feed output", stderr + stdout, StringComparison.Ordinal);
            Assert.Contains("invalid, 2 errors", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RunRefusesUnknownRolesAndARealKafkaWithStateOnlyInMemory()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("run", "graphs/demo.yml", "--roles", "miner,cooker");
        Assert.Equal(2, code);
        Assert.Contains("--roles: unknown role cooker; roles are miner, processor, output, feeds", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await CliProcess.RunAsync("run", "graphs/demo.yml", "--kafka", "127.0.0.1:9");
        Assert.Equal(2, code);
        Assert.Contains("--kafka needs --redis", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunReadsTheGraphWithThePrototypeDirectoriesGiven()
    {
        var directory = Directory.CreateTempSubdirectory("mm-protos-").FullName;
        var file = Path.Combine(directory, "g.yml");
        await File.WriteAllTextAsync(Path.Combine(directory, "acme.yml"), "prototypes:\n  blocklist:\n    class: minemeld.ft.local.YamlIPv4FT\n    config:\n      interval: -5\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(file, "nodes:\n  a:\n    prototype: acme.blocklist\n    output: true\n  f:\n    prototype: stdlib.feedHCGreen\n    inputs: [a]\n", TestContext.Current.CancellationToken);
        try
        {
            var (code, _, stderr) = await CliProcess.RunAsync("run", file);
            Assert.Equal(1, code);
            Assert.Contains("unknown prototype", stderr, StringComparison.OrdinalIgnoreCase);

            // Found in the directory given: its own bad value is reported at its line there, so the graph was read with it.
            (code, _, stderr) = await CliProcess.RunAsync("run", file, "--prototypes", directory);
            Assert.Equal(1, code);
            Assert.Contains($"{Path.Combine(directory, "acme.yml")}:5:", stderr, StringComparison.Ordinal);
            Assert.Contains("config.interval", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RunFailsToStartInOneClearLinePerProblem()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mm-unclosed-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, "nodes:\n  a:\n    prototype: stdlib.listIPv4Generic\n    config:\n      interval: [60\n  b:\n    prototype: stdlib.feedHCGreen\n    inputs: [a]\n", TestContext.Current.CancellationToken);
        try
        {
            // The bracket that is never closed, where it is; no stack trace.
            var (code, _, stderr) = await CliProcess.RunAsync("run", file);
            Assert.Equal(1, code);
            Assert.Equal(
                [$"{file}:5:17: error: invalid YAML: '[' is never closed", $"minemeld run: {Path.GetFileName(file)} is invalid (1 error); nothing started"],
                stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            File.Delete(file);
        }

        // A port already taken.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (busyCode, _, busy) = await CliProcess.RunAsync("run", "graphs/demo.yml", "--port", port);
        Assert.Equal(1, busyCode);
        Assert.Equal($"minemeld run: cannot listen on 127.0.0.1:{port}: the address is already in use; choose another with --port", busy.Trim());
    }

    [Fact]
    public async Task ValidatePointsAtTabsAndUnclosedBracketsAndLoopsWithTheirOwnNodes()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mm-tab-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, "nodes:\n  a:\n    prototype: stdlib.listIPv4Generic\n\tconfig: {}\n", TestContext.Current.CancellationToken);
        try
        {
            var (code, _, stderr) = await CliProcess.RunAsync("validate", file);
            Assert.Equal(1, code);
            Assert.Contains($"{file}:4:1: error: invalid YAML: a tab in the indentation (YAML indents with spaces only)", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task PrototypesListsAndFiltersByType()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("prototypes", "--type", "output");
        Assert.Equal(0, code);
        Assert.Empty(stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var footer = lines[^1];
        Assert.StartsWith("* differs from MineMeld", footer, StringComparison.Ordinal);
        Assert.All(lines[..^1], static l => Assert.Contains(" output ", l, StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.StartsWith("stdlib.feedHCGreen* ", StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.StartsWith("stdlib.feedMCGreen  ", StringComparison.Ordinal));

        // The deliberate differences, each with its reason; the medium and low bands are MineMeld's own.
        (code, stdout, _) = await CliProcess.RunAsync("prototypes", "--differences");
        Assert.Equal(0, code);
        var differing = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => l.Split('*')[0]).ToList();
        Assert.Equal(["stdlib.feedHCGreen", "stdlib.feedHCGreenWithValue", "stdlib.feedHCRedWithValue", "stdlib.feedHCWithValue"], differing.Order(StringComparer.Ordinal));
        Assert.Contains("confidence > 75", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await CliProcess.RunAsync("prototypes", "stdlib.feedHCGreen");
        Assert.Equal(0, code);
        Assert.Contains("differs from MineMeld: High confidence is 75 and above here", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await CliProcess.RunAsync("prototypes", "dshield.block");
        Assert.Equal(0, code);
        Assert.Contains("class: minemeld.ft.http.HttpFT", stdout, StringComparison.Ordinal);
        Assert.Contains("https://www.dshield.org/block.txt", stdout, StringComparison.Ordinal);

        (code, _, stderr) = await CliProcess.RunAsync("prototypes", "nosuch.proto");
        Assert.Equal(1, code);
        Assert.Contains("unknown prototype 'nosuch.proto'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RangesOperationsPrintMinimalCidrsAsIprangeDoes()
    {
        var a = Path.Combine(Path.GetTempPath(), $"mm-a-{Guid.NewGuid():N}.txt");
        var b = Path.Combine(Path.GetTempPath(), $"mm-b-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(a, "10.0.0.0/24\n10.0.1.0-10.0.1.255\n2001:db8::/48\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(b, "10.0.0.128/25\n10.0.2.7\n2001:db8::/64\n", TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal("10.0.0.0/23\n10.0.2.7\n2001:db8::/48\n", (await CliProcess.RunAsync("ranges", "merge", a, b)).Stdout);
            Assert.Equal("10.0.0.128/25\n2001:db8::/64\n", (await CliProcess.RunAsync("ranges", "common", a, b)).Stdout);
            var exclude = (await CliProcess.RunAsync("ranges", "exclude", a, b)).Stdout;
            Assert.StartsWith("10.0.0.0/25\n10.0.1.0/24\n2001:db8:0:1::/64\n", exclude, StringComparison.Ordinal);
            Assert.Equal("10.0.0.0/25\n10.0.1.0/24\n10.0.2.7\n", (await CliProcess.RunAsync("ranges", "diff", a, b)).Stdout.Split("2001")[0]);
            Assert.Equal("192.168.0.0/23\n", (await CliProcess.RunWithInputAsync("192.168.1.0/24\n192.168.0.0/24\n", "ranges", "merge", "-")).Stdout);
        }
        finally
        {
            File.Delete(a);
            File.Delete(b);
        }
    }

    [Fact]
    public async Task RangesReportsBadLinesAndStrictModeFails()
    {
        var (code, stdout, stderr) = await CliProcess.RunWithInputAsync("1.2.3.4\nnot-an-ip\n", "ranges", "merge", "-");
        Assert.Equal(0, code);
        Assert.Equal("1.2.3.4\n", stdout);
        Assert.Contains("<stdin>:2: not a valid address range: 'not-an-ip'", stderr, StringComparison.Ordinal);
        (code, _, _) = await CliProcess.RunWithInputAsync("1.2.3.4\nnot-an-ip\n", "ranges", "merge", "--strict", "-");
        Assert.Equal(3, code);
        (code, _, stderr) = await CliProcess.RunAsync("ranges", "merge", "/nonexistent/file.txt");
        Assert.Equal(2, code);
        Assert.Contains("cannot read /nonexistent/file.txt", stderr, StringComparison.Ordinal);
    }
}
