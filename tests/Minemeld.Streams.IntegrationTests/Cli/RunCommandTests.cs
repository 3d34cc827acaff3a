using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.Cli;

/// <summary>
/// <c>minemeld run graphs/demo.yml</c> as a child process (embedded broker, every role, the feed server), exactly the
/// README's command with the in-memory store and again with <c>--redis</c>: within 60 s a seeded customer user fetches
/// the expected list over HTTP, another user is refused, a list edit through the admin API reaches the feed, and
/// Ctrl-C stops it cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RunCommandTests(RedisFixture redis)
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "fixtures", name));

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task TheDemoGraphServesItsFeedsToTheSeededUsers(string store)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = store == "redis" ? MinemeldRun.Start("graphs/demo.yml", "--redis", await redis.EndpointAsync()) : MinemeldRun.Start("graphs/demo.yml");
        var (client, port) = (run.Client, run.Port);
        var baseSources = SeedScenarioTests.Ranges(Fixture("spamhaus-drop.txt"), Fixture("spamhaus-edrop.txt"), Fixture("dshield-block.txt"), tor: null);
        var torRows = SeedScenarioTests.Ranges(null, null, null, Fixture("tor-exit-addresses.txt"));
        var expected = RangeOracle.Pieces([.. baseSources, .. torRows], []);
        var actual = new List<string>();
        var deadline = Stopwatch.StartNew();
        async Task<List<string>> CustomerFeedAsync()
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/customerAFeed");
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("customer-a:demo-customer-a"u8));
                using var response = await client.SendAsync(request, ct);
                return response.StatusCode == HttpStatusCode.OK
                    ? [.. (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)]
                    : [];
            }
            catch (HttpRequestException)
            {
                return []; // not listening yet
            }
        }

        // The issue's promise: feeds served within 60 s of starting.
        while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !actual.SequenceEqual(expected))
        {
            Assert.False(run.HasExited, $"minemeld run exited early:\n{run.Output}");
            await Task.Delay(500, ct);
            actual = await CustomerFeedAsync();
        }

        Assert.True(actual.SequenceEqual(expected), $"customerAFeed held {actual.Count} entries after {deadline.Elapsed.TotalSeconds:F0} s, expected {expected.Count}\n{run.Output}");
        using var refused = new HttpRequestMessage(HttpMethod.Get, "/feeds/customerAFeed");
        refused.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("acme-free:demo-acme-free"u8));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(refused, ct)).StatusCode);
        var output = run.Output;
        Assert.Contains($"feed  http://127.0.0.1:{port}/feeds/customerAFeed", output, StringComparison.Ordinal);
        Assert.Contains("feed user customer-a / demo-customer-a", output, StringComparison.Ordinal);
        Assert.Contains(store == "redis" ? "state redis " : "state in memory", output, StringComparison.Ordinal);

        // An engineer adds an address to customer A's local list: the list miner hears the HUP and the feed has it.
        using (var edit = new HttpRequestMessage(HttpMethod.Post, "/lists/bucketCustomerA/entries"))
        {
            edit.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:demo-admin"u8));
            edit.Content = new StringContent("""{"entries":[{"indicator":"203.0.113.77","comment":"run test"}]}""", Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(edit, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var withEdit = RangeOracle.Pieces([.. baseSources, .. torRows, RangeOracle.Parse("203.0.113.77")], []);
        await PipelineHarness.EventuallyAsync(async () => (await CustomerFeedAsync()).SequenceEqual(withEdit), "the list edit to reach customerAFeed", TimeSpan.FromSeconds(20));

        // The edit's audit line is shown by default; the console's address is printed; /metrics has no private series.
        await PipelineHarness.EventuallyAsync(
            () => Task.FromResult(run.Output.Contains("AUDIT user=admin/admin action=\"POST /lists/bucketCustomerA/entries\"", StringComparison.Ordinal)),
            "the list edit's AUDIT line in the output", TimeSpan.FromSeconds(10));
        Assert.Contains($"console http://127.0.0.1:{port}/ui/", run.Output, StringComparison.Ordinal);
        var metrics = await client.GetStringAsync("/metrics", ct);
        Assert.Contains("minemeld_feed_requests_total", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("private_internaldiagnostics", metrics, StringComparison.OrdinalIgnoreCase);

        // Ctrl-C: a clean stop.
        var exitCode = await run.InterruptAsync(ct);
        Assert.True(exitCode == 0, $"minemeld run exited with {exitCode} after Ctrl-C:\n{run.Output}");
    }

    /// <summary>With <c>--bind 0.0.0.0</c> the printed feed URLs name an address of this host (not 0.0.0.0) and work.</summary>
    [Fact]
    public async Task AWildcardBindPrintsFeedUrlsOthersCanUse()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = MinemeldRun.Start("graphs/demo.yml", "--bind", "0.0.0.0");
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(run.Output.Contains("  console http://", StringComparison.Ordinal) || run.HasExited), "the feed URLs to be printed", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("http://0.0.0.0", run.Output, StringComparison.Ordinal);
        var url = System.Text.RegularExpressions.Regex.Match(run.Output, @"feed  (http://\S+/feeds/customerAFeed)").Groups[1].Value;
        Assert.Matches(@"^http://[^/]+:\d+/feeds/customerAFeed$", url);
        Assert.Contains($"console http://127.0.0.1:{run.Port}/ui/", run.Output, StringComparison.Ordinal);
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("customer-a:demo-customer-a"u8));
        await PipelineHarness.EventuallyAsync(async () => (await client.GetAsync(url, ct)).StatusCode == HttpStatusCode.OK, $"GET {url} to answer 200", TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// <c>--kafka-listen</c> puts the embedded broker on a fixed address that an outside client reaches: reading
    /// customerAFeed's table topic there from the start gives the feed served over HTTP, and a list entry added and
    /// removed through the admin API comes and goes in it (the removal as a tombstone).
    /// </summary>
    [Fact]
    public async Task AFixedBrokerAddressServesEachFeedsTableTopicToOutsideReaders()
    {
        var ct = TestContext.Current.CancellationToken;
        var kafkaPort = FreePorts.Next();
        var bootstrap = $"127.0.0.1:{kafkaPort}";
        await using var run = MinemeldRun.Start("graphs/demo.yml", "--kafka-listen", bootstrap);
        var topic = "minemeld.demo.customerAFeed.table";
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(run.Output.Contains("running;", StringComparison.Ordinal) || run.HasExited), "minemeld run to start", TimeSpan.FromSeconds(90));
        Assert.False(run.HasExited, run.Output);
        Assert.Contains($"kafka embedded, {bootstrap}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"kcat -b {bootstrap} -C -t minemeld.demo.freeBaseOffering.table -o beginning -e -Z", run.Output, StringComparison.Ordinal);

        var client = run.Client;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:demo-admin"u8));
        async Task<List<string>> ServedAsync()
        {
            var feed = JsonNode.Parse(await client.GetStringAsync("/feeds/customerAFeed?v=json", ct))!.AsArray();
            return [.. feed.Select(static e => e!["indicator"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
        }

        List<string> Folded() => [.. TableTopic.Fold(bootstrap, topic).Keys.Order(StringComparer.Ordinal)];

        await PipelineHarness.EventuallyAsync(async () => (await ServedAsync()).Count >= 18 && Folded().SequenceEqual(await ServedAsync()), "the folded table topic to equal the served feed", TimeSpan.FromSeconds(60));

        async Task EditAsync(string path, string body)
        {
            using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await EditAsync("/lists/bucketCustomerA/entries", """{"entries":[{"indicator":"198.51.100.77","comment":"table test"}]}""");
        await PipelineHarness.EventuallyAsync(async () => Folded().Contains("198.51.100.77-198.51.100.77") && Folded().SequenceEqual(await ServedAsync()), "the added entry in the table topic", TimeSpan.FromSeconds(30));
        var entry = IndicatorMessageSerializer.Deserialize(TableTopic.Fold(bootstrap, topic)["198.51.100.77-198.51.100.77"]);
        Assert.Equal(("customerAFeed", "IPv4"), (entry.Origin, entry.Type));
        Assert.Contains("bucketCustomerA", entry.Value!["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));

        await EditAsync("/lists/bucketCustomerA/remove", """{"indicators":["198.51.100.77"]}""");
        await PipelineHarness.EventuallyAsync(async () => !Folded().Contains("198.51.100.77-198.51.100.77") && Folded().SequenceEqual(await ServedAsync()), "the removed entry gone from the table topic", TimeSpan.FromSeconds(30));
    }
}
