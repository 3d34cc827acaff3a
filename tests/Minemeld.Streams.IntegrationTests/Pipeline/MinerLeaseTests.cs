using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Nodes.Miners;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// Two replicas of a miner never poll the same feed at once: the holder renews a short lease, which passes on within
/// seconds when its holder dies, or at once when it stops cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MinerLeaseTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task OnlyTheLeaseHolderPollsAndAHolderThatStopsRenewingLosesItWithinTheLease()
    {
        await using var feeds = await FixtureHttpServer.StartAsync();
        feeds.Set("/list.txt", "203.0.113.1\n203.0.113.2\n");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "lease",
            "{prototype: blutmagie.tor_exit_nodes, output: true, config: {url: '" + feeds.Url("/list.txt") + "', interval: 3600}}");
        var lease = TimeSpan.FromSeconds(2);
        using var first = graph.Replica(new MinerRunOptions { InstanceId = "replica-a", LeaseTtl = lease });
        using var second = graph.Replica(new MinerRunOptions { InstanceId = "replica-b", LeaseTtl = lease });

        Assert.True(await first.PollAsync(TestContext.Current.CancellationToken));
        Assert.False(await second.PollAsync(TestContext.Current.CancellationToken));
        Assert.True(await first.PollAsync(TestContext.Current.CancellationToken), "the holder may poll again within its interval (a HUP)");
        Assert.Equal(2, feeds.Requests["/list.txt"]);

        // The first replica stops renewing (a dead process): its lease lapses after seconds, not after the hour's
        // interval, and the other replica takes over with the same table.
        await PipelineHarness.EventuallyAsync(async () => await second.PollAsync(TestContext.Current.CancellationToken), "the second replica to take the lease", TimeSpan.FromSeconds(10));
        Assert.Equal(3, feeds.Requests["/list.txt"]);
        Assert.Equal(2, second.Poller.Length);
        Assert.Equal(0, second.Poller.Counters.Added);
        Assert.Equal(0, second.Poller.Counters.UpdateTx);
    }

    [Fact]
    public async Task TheKeeperTakesADeadHoldersListOverAndPollsAnEditWhoseHupWasLost()
    {
        var ct = TestContext.Current.CancellationToken;
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "lease-keep", "{prototype: stdlib.listIPv4Generic, output: true}");
        var store = new RedisStateStore(graph.Connection);
        var options = new MinerRunOptions { InstanceId = "replica-b", LeaseTtl = TimeSpan.FromSeconds(1.5) };
        using var dead = graph.Replica(new MinerRunOptions { InstanceId = "replica-a", LeaseTtl = options.LeaseTtl });
        Assert.True(await dead.PollAsync(ct)); // holds the lease, then never renews it

        using var live = graph.Replica(options);
        using var service = new MinerService(live, store.Hup, graph.Name, TimeProvider.System, NullLogger<MinerService>.Instance);
        using var keeper = new MinerLeaseKeeper([service], store, graph.Name, options, TimeProvider.System, NullLogger<MinerLeaseKeeper>.Instance);
        await service.StartAsync(ct);
        await keeper.StartAsync(ct);
        try
        {
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(service.Polls == 1), "the live replica to take the list over", TimeSpan.FromSeconds(15));
            Assert.True(live.HoldsLease);

            // An edit written and stamped, but its HUP never published (a Redis restart, a subscriber reconnecting).
            await store.LocalList(graph.Name, graph.Node.Name).WriteAsync([RecordText.Entry("198.51.100.7", "{}")], [], TestContext.Current.CancellationToken);
            await store.ListStamps(graph.Name).WriteAsync([RecordText.Entry(graph.Node.Name, "edited")], [], TestContext.Current.CancellationToken);
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(service.Polls == 2), "the keeper to notice the edit", TimeSpan.FromSeconds(15));
            Assert.Equal(1, live.Poller.Length);

            // /readyz's view: the holder is overdue only once its interval and the grace have passed without a poll;
            // the keeper's leases lapse when no tick completes for a whole lease.
            var now = DateTimeOffset.UtcNow;
            Assert.Null(live.Overdue(now));
            Assert.StartsWith($"{graph.Node.Name}: last poll ", live.Overdue(now + MinerNode.OverdueAfter(live.Poller.Settings.IntervalSeconds) + TimeSpan.FromSeconds(1)), StringComparison.Ordinal);
            Assert.False(await dead.KeepLeaseAsync(TestContext.Current.CancellationToken)); // a holder that comes back learns the miner is not its own...
            Assert.Null(dead.Overdue(now + TimeSpan.FromDays(1))); // ...and does not report it
            Assert.Null(keeper.Lapsed(now));
            Assert.StartsWith("miner leases: not renewed", keeper.Lapsed(now + TimeSpan.FromMinutes(1)), StringComparison.Ordinal);

            // Nothing changed since: further ticks poll nothing.
            var ticks = keeper.Ticks;
            await PipelineHarness.EventuallyAsync(() => Task.FromResult(keeper.Ticks >= ticks + 2), "two more ticks", TimeSpan.FromSeconds(15));
            Assert.Equal(2, service.Polls);
        }
        finally
        {
            await keeper.StopAsync(ct);
            await service.StopAsync(ct);
        }
    }

    [Fact]
    public async Task AMinerThatStopsGivesItsLeaseUpAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var feeds = await FixtureHttpServer.StartAsync();
        feeds.Set("/list.txt", "203.0.113.1\n");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "lease-stop",
            "{prototype: blutmagie.tor_exit_nodes, output: true, config: {url: '" + feeds.Url("/list.txt") + "', interval: 3600}}");
        using var first = graph.Replica(new MinerRunOptions { InstanceId = "replica-a" });
        using var second = graph.Replica(new MinerRunOptions { InstanceId = "replica-b" });
        using var service = new MinerService(first, new RedisStateStore(graph.Connection).Hup, graph.Name, TimeProvider.System, NullLogger<MinerService>.Instance);
        await service.StartAsync(ct);
        await PipelineHarness.EventuallyAsync(() => Task.FromResult(service.Polls == 1), "the first replica's first poll");
        Assert.False(await second.PollAsync(ct), "the lease is held for the hour's interval");

        // A clean stop (SIGTERM, a rolling restart) hands the miner over now, not an hour later.
        await service.StopAsync(ct);
        Assert.True(await second.PollAsync(ct));
        Assert.Equal(2, feeds.Requests["/list.txt"]);
    }
}
