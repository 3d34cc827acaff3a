using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;
using Minemeld.Streams.IntegrationTests.Pipeline;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>ETag/304, gzip, the render cache across versions, Redis down or hung → 503, a mid-stream fault → aborted body.</summary>
[Trait("Category", "Integration")]
public sealed class FeedDeliveryTests(RedisFixture redis)
{
    [Fact]
    public async Task ETagGives304UntilTheFeedChanges()
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null);
        await host.FillAsync("bigfeed", [("10.0.0.1-10.0.0.1", 1, null)]);
        var client = host.Client();
        var ct = TestContext.Current.CancellationToken;
        using var first = await client.GetAsync("/feeds/bigfeed", ct);
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/feeds/bigfeed");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(again, ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(ct));

        // Another format of the same version is another representation: a new tag.
        using var json = await client.GetAsync("/feeds/bigfeed?v=json", ct);
        Assert.NotEqual(etag, json.Headers.ETag);

        await host.FillAsync("bigfeed", [("10.0.0.2-10.0.0.2", 2, null)]);
        using var changed = new HttpRequestMessage(HttpMethod.Get, "/feeds/bigfeed");
        changed.Headers.IfNoneMatch.Add(etag);
        using var fresh = await client.SendAsync(changed, ct);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.2-10.0.0.2\n", await fresh.Content.ReadAsStringAsync(ct));
        Assert.NotEqual(etag, fresh.Headers.ETag);
    }

    [Fact]
    public async Task GzipAndTheRenderCacheServeTheSameBytes()
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null, new() { ["FeedServer:AtomicReadLimit"] = "100" });
        await host.FillAsync("bigfeed", Enumerable.Range(0, 5000).Select(static i => ($"10.{i / 65536}.{i / 256 % 256}.{i % 256}", (double)i, (string?)null)));
        var client = host.Client();
        var ct = TestContext.Current.CancellationToken;
        var plain = await client.GetStringAsync("/feeds/bigfeed?tr=1", ct); // rendered from a snapshot
        Assert.Equal(5000, plain.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("10.0.19.135\n\n", plain, StringComparison.Ordinal); // 5000 = 50 full pages: MineMeld's extra empty page
        Assert.Equal(plain, await client.GetStringAsync("/feeds/bigfeed?tr=1", ct)); // from the cache

        foreach (var attempt in new[] { "cold", "cached" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, attempt == "cold" ? "/feeds/bigfeed?d=1" : "/feeds/bigfeed?tr=1");
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await client.SendAsync(request, ct);
            Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
            await using var unzip = new GZipStream(await response.Content.ReadAsStreamAsync(ct), CompressionMode.Decompress);
            using var reader = new StreamReader(unzip);
            var text = await reader.ReadToEndAsync(ct);
            Assert.Equal(attempt == "cold" ? await client.GetStringAsync("/feeds/bigfeed?d=1", ct) : plain, text);
        }

        Assert.Contains("minemeld_feed_render_cache_total{result=\"hit\"}", await client.GetStringAsync("/metrics", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisDownIs503NeverAnEmpty200()
    {
        var deadPort = FreePorts.Next();
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null,
            redisConfiguration: $"127.0.0.1:{deadPort},abortConnect=false,connectTimeout=200,asyncTimeout=500,syncTimeout=500");
        using var response = await host.Client().GetAsync("/feeds/bigfeed", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("<html><body>Service unavailable</body></html>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client().GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ARedisThatStopsAnsweringIs503NeverA500()
    {
        // A hung Redis surfaces as RedisTimeoutException, a TimeoutException rather than a RedisException: it is a
        // backend fault all the same. A private redis-server, frozen with SIGSTOP after the feed is written.
        await WithPrivateRedisAsync(async (port, frozen) =>
        {
            await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null,
                redisConfiguration: $"127.0.0.1:{port},abortConnect=false,connectTimeout=2000,asyncTimeout=500,syncTimeout=500");
            var ct = TestContext.Current.CancellationToken;
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(host.Store.IsConnected), "the private Redis to accept the connection", TimeSpan.FromSeconds(15));
            await host.FillAsync("bigfeed", [("10.0.0.1-10.0.0.1", 1, null)]);
            Assert.Equal("10.0.0.1-10.0.0.1\n", await host.Client().GetStringAsync("/feeds/bigfeed", ct));
            await frozen(async () =>
            {
                using var response = await host.Client().GetAsync("/feeds/bigfeed", ct);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            });
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFrozenRedisIsAnsweredAtTheBackendDeadlineWithA503OrTheMarkedStaleBody(bool serveStale)
    {
        // The client library would wait a minute (asyncTimeout) for a frozen Redis; the feed server answers at its
        // own deadline. The test's client gives up after 20 s, so a server that waits for Redis fails it.
        await WithPrivateRedisAsync(async (port, frozen) =>
        {
            // Feed auth on, and users re-read at every request: the access check needs Redis too.
            const string Users = """
                feeds_auth_enabled: true
                feeds:
                  bigfeed: {tags: [partner]}
                feed_users:
                  reader:
                    password: reader-secret
                    tags: [partner]
                """;
            await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, Users,
                new()
                {
                    ["FeedServer:ServeStaleOnBackendFault"] = serveStale ? "true" : "false",
                    ["FeedServer:AccessRefreshSeconds"] = "0",
                },
                redisConfiguration: $"127.0.0.1:{port},abortConnect=false,connectTimeout=2000,asyncTimeout=60000,syncTimeout=60000");
            var ct = TestContext.Current.CancellationToken;
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(host.Store.IsConnected), "the private Redis to accept the connection", TimeSpan.FromSeconds(15));
            await host.FillAsync("bigfeed", [("10.0.0.1-10.0.0.1", 1, null), ("10.0.0.9-10.0.0.9", 2, null)]);
            var client = host.Client("reader", "reader-secret");
            client.Timeout = TimeSpan.FromSeconds(20);
            // The users reach the private Redis when its seeding retry comes round.
            await PipelineHarness.EventuallyAsync(async () =>
            {
                using var attempt = await client.GetAsync("/feeds/bigfeed", ct);
                return attempt.IsSuccessStatusCode;
            }, "the reader to be seeded", TimeSpan.FromSeconds(15));
            using var fresh = await client.GetAsync("/feeds/bigfeed", ct);
            var etag = fresh.Headers.ETag!.Tag;
            Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.9-10.0.0.9\n", await fresh.Content.ReadAsStringAsync(ct));

            await frozen(async () =>
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                using var response = await client.GetAsync("/feeds/bigfeed", ct);
                TestContext.Current.TestOutputHelper?.WriteLine($"answered in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms with {(int)response.StatusCode}");
                if (serveStale)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.9-10.0.0.9\n", await response.Content.ReadAsStringAsync(ct));
                    Assert.Equal(etag, response.Headers.ETag!.Tag);
                    Assert.StartsWith("version ", response.Headers.GetValues(FeedResponder.StaleHeader).Single(), StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.Equal("5", response.Headers.RetryAfter!.ToString());
                    Assert.False(response.Headers.Contains(FeedResponder.StaleHeader));
                }

                // Nothing was rendered for other parameters (plain and tr=1 are rendered ahead; csv was never asked
                // for): there is no stale body to give, so 503 either way.
                using var other = await client.GetAsync("/feeds/bigfeed?v=csv", ct);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
            });
        });
    }

    [Fact]
    public async Task AFaultMidStreamAbortsTheResponse()
    {
        await using var host = await FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null,
            new() { ["FeedServer:AtomicReadLimit"] = "100", ["FeedServer:ReadPageSize"] = "100", ["FeedServer:CacheMaxBytes"] = "0" });
        await host.FillAsync("bigfeed", Enumerable.Range(0, 60_000).Select(static i => ($"10.{i / 65536}.{i / 256 % 256}.{i % 256}-10.{i / 65536}.{i / 256 % 256}.{i % 256}", (double)i, (string?)null)));
        var ct = TestContext.Current.CancellationToken;
        using var response = await host.Client().GetAsync("/feeds/bigfeed", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[4096];
        Assert.True(await body.ReadAsync(buffer, ct) > 0);

        // The snapshot the response is streamed from disappears (eviction, expiry, a Redis restart).
        var server = host.Redis.GetServers().Single();
        await foreach (var key in server.KeysAsync(pattern: RedisKeys.FeedSnapshotPrefix(host.GraphName, "bigfeed") + "*"))
        {
            await host.Redis.GetDatabase().KeyDeleteAsync(key);
        }

        var failed = await Record.ExceptionAsync(async () =>
        {
            while (await body.ReadAsync(buffer, ct) > 0)
            {
            }
        });
        Assert.NotNull(failed); // a broken transfer, not a complete-looking 200
        Assert.Contains("minemeld_feed_requests_total{feed=\"bigfeed\",format=\"plain\",status=\"aborted\"}", await host.Client().GetStringAsync("/metrics", ct), StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs <paramref name="body"/> against a private redis-server on its own port; the body's second argument runs
    /// an action while that server is frozen (SIGSTOP, then SIGCONT), the way a hung Redis looks to a client.
    /// </summary>
    private async Task WithPrivateRedisAsync(Func<int, Func<Func<Task>, Task>, Task> body)
    {
        await redis.ConnectAsync(); // fails loudly under CI when there is no redis-server
        var port = FreePorts.Next();
        using var server = RedisFixture.StartServer(RedisFixture.Binary!, port);
        try
        {
            await body(port, async action =>
            {
                await SignalAsync("-STOP", server.Id);
                try
                {
                    await action();
                }
                finally
                {
                    await SignalAsync("-CONT", server.Id);
                }
            });
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
    }
}
