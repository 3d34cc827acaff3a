using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.FeedServer.Extensions;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.Extensions;
using Minemeld.Streams.Hosting.State;
using StackExchange.Redis;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld bench feed --redis HOST:PORT [--count N]</c>: the real feed server on Kestrel over a real Redis. For an
/// N-entry feed: a full download in plain and <c>tr=1</c>, first render (from a snapshot) and cached, next to the same
/// bytes served as a static file by the same server in the same run; for a 10,000-entry feed: requests per second
/// with and without <c>If-None-Match</c> (authenticated as a feed user); and the process's memory while serving.
/// </summary>
internal static class FeedBenchmark
{
    private const int SmallFeed = 10_000;
    private const int Concurrency = 32;
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var redis = new Option<string>("--redis") { Description = "Redis to use (host:port); the benchmark writes keys under mm:fbench-*.", Required = true };
        var count = new Option<int>("--count") { Description = "Entries of the large feed.", DefaultValueFactory = static _ => 1_000_000 };
        var command = new Command("feed", "Feed server: download time vs a static file, requests/s with and without 304s, memory.") { redis, count };
        command.SetAction((parse, token) => RunAsync(parse.GetValue(redis)!, parse.GetValue(count), token));
        return command;
    }

    private static async Task<int> RunAsync(string redisEndpoint, int count, CancellationToken cancellationToken)
    {
        var name = $"fbench-{DateTime.UtcNow:HHmmss}-{Environment.ProcessId}";
        var directory = Directory.CreateTempSubdirectory("minemeld-feed-bench-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.yml"), string.Join('\n',
            "nodes:",
            "  list: {prototype: stdlib.listIPv4Generic, output: true}",
            "  big: {prototype: stdlib.feedHCGreen, inputs: [list]}",
            "  small: {prototype: stdlib.feedHCGreen, inputs: [list]}"), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.users.yml"), string.Join('\n',
            "feeds: {big: {tags: [any]}, small: {tags: [any]}}",
            "feed_users: {firewall: {password: bench-password, tags: [edl]}}",
            "admin_users: {admin: {password: bench-admin}}"), cancellationToken);
        var staticFile = Path.Combine(directory, "static.txt");

        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Graph:Path"] = Path.Combine(directory, $"{name}.yml"),
            ["Redis:Configuration"] = redisEndpoint,
            ["FeedServer:CacheDirectory"] = Path.Combine(directory, "cache"),
        });
        builder.AddMinemeldDefaults();
        builder.AddFeedServer();
        await using var app = builder.Build();
        app.MapFeedServer();
        app.MapGet("/static", (HttpContext context) => context.Response.SendFileAsync(staticFile, context.RequestAborted));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var store = app.Services.GetRequiredService<IStateStore>();
        try
        {
            await FillAsync(store, name, "big", count, cancellationToken);
            await FillAsync(store, name, "small", SmallFeed, cancellationToken);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, AutomaticDecompression = DecompressionMethods.None })
            {
                BaseAddress = new Uri(address),
                Timeout = TimeSpan.FromMinutes(10),
            };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("firewall:bench-password"u8));

            Console.WriteLine($"feed server on {address}, feed of {count:N0} entries (IPv4 ranges), redis {redisEndpoint}");
            var peak = new PeakMemory();
            var ahead = app.Services.GetRequiredService<FeedRenderAhead>();
            var reader = app.Services.GetRequiredService<IFeedReadStore>();
            var change = 0;
            // Measures only once the renders ahead of both feeds are done (they would share the two cores otherwise).
            async Task SettleAsync()
            {
                foreach (var feed in new[] { "big", "small" })
                {
                    foreach (var parameters in new[] { string.Empty, "?tr=1" })
                    {
                        await ahead.WaitForAsync(feed, Fingerprint(parameters), await reader.GetVersionAsync(feed, cancellationToken), cancellationToken);
                    }
                }
            }

            await SettleAsync();
            await DownloadAsync(client, "/feeds/small", cancellationToken); // warms up the client, the server and the code paths
            foreach (var query in new[] { string.Empty, "?tr=1" })
            {
                var label = query.Length == 0 ? "plain" : "tr=1 ";
                var fingerprint = Fingerprint(query);

                // Rendered ahead after the feed was written: the first request finds the body cached.
                var clock = Stopwatch.StartNew();
                await ahead.WaitForAsync("big", fingerprint, await reader.GetVersionAsync("big", cancellationToken), cancellationToken);
                var renderedAhead = clock.Elapsed;
                var (first, bytes) = await DownloadAsync(client, $"/feeds/big{query}", cancellationToken);
                var warm = await BestOfAsync(3, () => DownloadAsync(client, $"/feeds/big{query}", cancellationToken));
                await using (var file = File.Create(staticFile))
                using (var body = await client.GetStreamAsync($"/feeds/big{query}", cancellationToken))
                {
                    await body.CopyToAsync(file, cancellationToken);
                }

                var baseline = await BestOfAsync(3, () => DownloadAsync(client, "/static", cancellationToken));

                // The feed changes (one entry more) and a firewall polls at once, while the new body renders ahead.
                await store.Feed(name, "big").ApplyAsync([new FeedChange($"203.0.113.{++change}-203.0.113.{change}", true, 1_800_000_000_000 + change, null)], null, cancellationToken);
                var version = await reader.GetVersionAsync("big", cancellationToken);
                clock.Restart();
                var (afterChange, _) = await DownloadAsync(client, $"/feeds/big{query}", cancellationToken);
                await ahead.WaitForAsync("big", fingerprint, version, cancellationToken);
                var lag = clock.Elapsed;
                await SettleAsync();
                var (newVersion, _) = await DownloadAsync(client, $"/feeds/big{query}", cancellationToken);

                // A series nobody asked for before (same bytes, other parameters): rendered while the client waits.
                var (unseen, _) = await DownloadAsync(client, $"/feeds/big{query}{(query.Length == 0 ? "?" : "&")}n={count + 10}", cancellationToken);
                Console.WriteLine($"{label}: {bytes / 1e6:F1} MB; static file {baseline.TotalSeconds:F3} s; first request after the feed was written {first.TotalSeconds:F3} s ({first / baseline:F2}x static; rendered ahead in {renderedAhead.TotalSeconds:F2} s)");
                Console.WriteLine($"       request right after a change {afterChange.TotalSeconds:F3} s ({afterChange / baseline:F2}x static, the previous version), new version rendered {lag.TotalSeconds:F2} s after the change, then {newVersion.TotalSeconds:F3} s ({newVersion / baseline:F2}x static); cached {warm.TotalSeconds:F3} s ({warm / baseline:F2}x static)");
                Console.WriteLine($"       a never-requested series, rendered while the client waits: {unseen.TotalSeconds:F3} s ({unseen / baseline:F1}x static)");
            }

            Console.WriteLine($"memory while serving the large feed: peak working set {peak.WorkingSetMb:F0} MiB, peak GC heap {peak.HeapMb:F0} MiB (client and server share this process)");
            peak.Dispose();

            var (tag, _) = await HeadTagAsync(client, "/feeds/small", cancellationToken);
            var ok = await LoadAsync(client, "/feeds/small", ifNoneMatch: null, HttpStatusCode.OK, cancellationToken);
            var notModified = await LoadAsync(client, "/feeds/small", ifNoneMatch: tag, HttpStatusCode.NotModified, cancellationToken);
            Console.WriteLine($"feed of {SmallFeed:N0} entries, {Concurrency} concurrent keep-alive clients, feed-user Basic auth, {LoadDuration.TotalSeconds:F0} s each:");
            Console.WriteLine($"  full 200 responses: {ok:N0} requests/s");
            Console.WriteLine($"  If-None-Match → 304: {notModified:N0} requests/s");

            await ReplaceListAsync(client, count, cancellationToken);
            return 0;
        }
        finally
        {
            await BenchCommand.CleanupAsync(redis, name);
            await app.StopAsync(CancellationToken.None);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Fingerprint(string query)
    {
        return FeedQuery.TryParse(query, out var parsed, out _) ? parsed.Fingerprint() : throw new InvalidOperationException(query);
    }

    /// <summary>
    /// One request replacing a local list with N entries through the JSON list API (admin Basic auth).
    /// </summary>
    private static async Task ReplaceListAsync(HttpClient client, int count, CancellationToken cancellationToken)
    {
        var body = new System.Text.StringBuilder(count * 48).Append("{\"entries\":[");
        for (var i = 0; i < count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"indicator\":\"").Append(IPv4Family.Format(0x0C000000u + (uint)i)).Append("\",\"comment\":\"bench\"}");
        }

        var json = body.Append("]}").ToString();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/lists/list/entries") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:bench-admin"u8));
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        Console.WriteLine($"local list replaced with {count:N0} entries in one request ({json.Length / 1e6:F0} MB JSON): {clock.Elapsed.TotalSeconds:F2} s");
    }

    private static async Task FillAsync(IStateStore states, string graph, string feed, int count, CancellationToken cancellationToken)
    {
        var store = states.Feed(graph, feed);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(50_000))
        {
            await store.ApplyAsync([.. chunk.Select(static i =>
            {
                var start = ((uint)i * 16) + 0x0B000000;
                return new FeedChange($"{IPv4Family.Format(start)}-{IPv4Family.Format(start + (uint)(i % 16))}", true, 1_700_000_000_000 + i, null);
            })], null, cancellationToken);
        }
    }

    private static async Task<(TimeSpan Time, long Bytes)> DownloadAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return (clock.Elapsed, total);
    }

    private static async Task<TimeSpan> BestOfAsync(int runs, Func<Task<(TimeSpan Time, long Bytes)>> run)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var (time, _) = await run();
            best = time < best ? time : best;
        }

        return best;
    }

    private static async Task<(string Tag, long Bytes)> HeadTagAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, cancellationToken);
        return (response.Headers.ETag!.Tag, (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length);
    }

    private static async Task<double> LoadAsync(HttpClient client, string url, string? ifNoneMatch, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        long done = 0;
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            var buffer = new byte[1 << 16];
            while (deadline.Elapsed < LoadDuration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (ifNoneMatch is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
                }

                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.StatusCode != expected)
                {
                    throw new InvalidOperationException($"{url}: expected {expected}, got {response.StatusCode}");
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                while (await body.ReadAsync(buffer, cancellationToken) > 0)
                {
                }

                Interlocked.Increment(ref done);
            }
        });
        await Task.WhenAll(workers);
        return done / deadline.Elapsed.TotalSeconds;
    }

    /// <summary>Samples the process's working set and GC heap every 10 ms until disposed.</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private long _workingSet;
        private long _heap;

        public PeakMemory()
        {
            _ = Task.Run(async () =>
            {
                using var process = Process.GetCurrentProcess();
                while (!_stop.IsCancellationRequested)
                {
                    process.Refresh();
                    _workingSet = Math.Max(_workingSet, process.WorkingSet64);
                    _heap = Math.Max(_heap, GC.GetTotalMemory(forceFullCollection: false));
                    await Task.Delay(10).ConfigureAwait(false);
                }
            });
        }

        public double WorkingSetMb => _workingSet / 1048576.0;

        public double HeapMb => _heap / 1048576.0;

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
