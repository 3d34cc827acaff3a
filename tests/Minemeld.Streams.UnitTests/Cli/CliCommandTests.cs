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

    /// <summary>
    /// --check loads each prototype of a library directory as a node: what would stop a graph is printed at the
    /// prototype file's line (the class line for a class that is not run here), with a summary and exit 1.
    /// </summary>
    [Fact]
    public async Task PrototypesCheckReportsEachPrototypeThatAGraphCouldNotUse()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mm-check-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "acme.yml"), """
            prototypes:
              good:
                node_type: miner
                class: minemeld.ft.http.HttpFT
                config: {url: 'https://acme.example/list.txt'}
              vendor:
                node_type: miner
                class: minemeld.ft.anomali.Intelligence
                config: {}
              negative:
                node_type: miner
                class: minemeld.ft.http.HttpFT
                config: {url: 'https://acme.example/list.txt', interval: -5}
              outputOfTheFuture:
                node_type: output
                class: minemeld.ft.nosuch.Output
            """, TestContext.Current.CancellationToken);
        try
        {
            var (code, stdout, _) = await CliProcess.RunAsync("prototypes", "--check", "--prototypes", directory);
            Assert.Equal(1, code);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var file = Path.Combine(directory, "acme.yml");
            Assert.Contains(lines, l => l.StartsWith($"{file}:8:12: error: prototype 'acme.vendor', key 'class': node class minemeld.ft.anomali.Intelligence is a MineMeld class", StringComparison.Ordinal) && l.Contains("Taxii2Client", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith($"{file}:13:", StringComparison.Ordinal) && l.Contains("prototype 'acme.negative', key 'config.interval'", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith($"{file}:16:12: error: prototype 'acme.outputOfTheFuture', key 'class': Unknown node class minemeld.ft.nosuch.Output", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, static l => l.Contains("acme.good", StringComparison.Ordinal));
            Assert.Equal($"checked 4 prototypes in 1 files of {directory}: 1 valid (0 with warnings), 3 invalid", lines[^2]);
            Assert.Equal("  invalid by class: minemeld.ft.anomali.Intelligence 1, minemeld.ft.http.HttpFT 1, minemeld.ft.nosuch.Output 1", lines[^1]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        // The built-in library: every prototype usable (the JSONSEQ template warns that its url is the operator's to set).
        var (builtInCode, builtIn, _) = await CliProcess.RunAsync("prototypes", "--check");
        Assert.Equal(0, builtInCode);
        Assert.Matches(@"checked \d+ prototypes in \d+ files of the built-in library: \d+ valid \(1 with warnings\), 0 invalid", builtIn);
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
