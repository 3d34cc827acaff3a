using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>
/// Rendering ahead: a changed feed is rendered before anyone asks, so requests are served as files; while the new
/// body renders, a request gets the previous body whole, with the previous ETag; with rendering ahead off, or for a
/// small body, a request after a change renders the new version for itself (read-after-write).
/// </summary>
[Trait("Category", "Integration")]
public sealed class FeedRenderAheadTests(RedisFixture redis)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task AChangedFeedIsRenderedBeforeItIsAskedFor()
    {
        var gate = new SnapshotGate();
        await using var host = await StartAsync(gate, minBytes: 0);
        var ahead = host.Services.GetRequiredService<FeedRenderAhead>();
        var reader = host.Services.GetRequiredService<IFeedReadStore>();
        await host.FillAsync("bigfeed", [("10.0.0.1-10.0.0.1", 1, null), ("10.0.0.2-10.0.0.2", 2, null)]);
        var v1 = await reader.GetVersionAsync("bigfeed", Ct);
        await ahead.WaitForAsync("bigfeed", Plain, v1, Ct);
        var client = host.Client();
        var renders = gate.Opened;
        using (var first = await client.GetAsync("/feeds/bigfeed", Ct))
        {
            Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.2-10.0.0.2\n", await first.Content.ReadAsStringAsync(Ct));
            Assert.Equal($"\"{v1}-{Plain}\"", first.Headers.ETag!.Tag);
        }

        Assert.Equal(renders, gate.Opened); // served from the file rendered ahead: no snapshot opened for the request

        // The feed changes while the render ahead cannot finish: the previous body, whole, with its own ETag.
        gate.Close();
        await host.FillAsync("bigfeed", [("10.0.0.3-10.0.0.3", 3, null)]);
        var v2 = await reader.GetVersionAsync("bigfeed", Ct);
        using (var during = await client.GetAsync("/feeds/bigfeed", Ct))
        {
            Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.2-10.0.0.2\n", await during.Content.ReadAsStringAsync(Ct));
            Assert.Equal($"\"{v1}-{Plain}\"", during.Headers.ETag!.Tag);
            using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/feeds/bigfeed");
            revalidate.Headers.IfNoneMatch.Add(during.Headers.ETag);
            using var notModified = await client.SendAsync(revalidate, Ct);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        gate.Open();
        await ahead.WaitForAsync("bigfeed", Plain, v2, Ct);
        using var after = await client.GetAsync("/feeds/bigfeed", Ct);
        Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.2-10.0.0.2\n10.0.0.3-10.0.0.3\n", await after.Content.ReadAsStringAsync(Ct));
        Assert.Equal($"\"{v2}-{Plain}\"", after.Headers.ETag!.Tag);
        Assert.True(ahead.RenderedAhead >= 2);
    }

    [Theory]
    [InlineData(0, 0)] // rendering ahead off
    [InlineData(250, 1 << 20)] // on, but the body is smaller than RenderAheadMinBytes
    public async Task OtherwiseARequestAfterAChangeRendersTheNewVersion(int intervalMs, long minBytes)
    {
        var gate = new SnapshotGate();
        await using var host = await StartAsync(gate, minBytes, intervalMs);
        var client = host.Client();
        await host.FillAsync("bigfeed", [("10.0.0.1-10.0.0.1", 1, null)]);
        using (var first = await client.GetAsync("/feeds/bigfeed", Ct))
        {
            Assert.Equal("10.0.0.1-10.0.0.1\n", await first.Content.ReadAsStringAsync(Ct));
        }

        await host.FillAsync("bigfeed", [("10.0.0.2-10.0.0.2", 2, null)]);
        using var after = await client.GetAsync("/feeds/bigfeed", Ct);
        Assert.Equal("10.0.0.1-10.0.0.1\n10.0.0.2-10.0.0.2\n", await after.Content.ReadAsStringAsync(Ct));
    }

    private static string Plain => FeedQuery.TryParse(static _ => default, out var query, out _) ? query.Fingerprint() : throw new InvalidOperationException();

    private Task<FeedServerHost> StartAsync(SnapshotGate gate, long minBytes, int intervalMs = 50) =>
        FeedServerHost.StartAsync(redis, FeedFormatTests.Graph, usersYaml: null, new()
        {
            ["FeedServer:RenderAheadIntervalMs"] = intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FeedServer:RenderAheadMinBytes"] = minBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, services: services =>
        {
            // Every snapshot the server opens goes through the gate, so a test can hold renders back.
            var inner = services.Last(static d => d.ServiceType == typeof(IFeedReadStore));
            services.RemoveAll<IFeedReadStore>();
            services.AddSingleton<IFeedReadStore>(sp => gate.Wrap((IFeedReadStore)inner.ImplementationFactory!(sp)));
        });

    /// <summary>Holds <see cref="IFeedReadStore.OpenSnapshotAsync"/> while closed; counts snapshots opened.</summary>
    private sealed class SnapshotGate
    {
        private volatile TaskCompletionSource _open = CompletedSource();
        private int _opened;

        public int Opened => Volatile.Read(ref _opened);

        public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public IFeedReadStore Wrap(IFeedReadStore inner) => new Gated(inner, this);

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }

        private sealed class Gated(IFeedReadStore inner, SnapshotGate gate) : IFeedReadStore
        {
            public Task<long> GetVersionAsync(string feed, CancellationToken cancellationToken) => inner.GetVersionAsync(feed, cancellationToken);

            public Task<AddedFeedPage> ReadAddedAsync(string feed, FeedPosition after, int limit, bool withValues, CancellationToken cancellationToken) =>
                inner.ReadAddedAsync(feed, after, limit, withValues, cancellationToken);

            public async Task<IFeedSnapshot> OpenSnapshotAsync(string feed, bool withValues, CancellationToken cancellationToken)
            {
                await gate._open.Task.WaitAsync(cancellationToken);
                Interlocked.Increment(ref gate._opened);
                return await inner.OpenSnapshotAsync(feed, withValues, cancellationToken);
            }
        }
    }
}
