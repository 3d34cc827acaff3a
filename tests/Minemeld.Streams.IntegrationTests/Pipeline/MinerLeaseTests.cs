using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Hosting.Nodes;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// Two replicas of a miner never poll the same feed in one interval; the lease passes on when it expires, or at once
/// when its holder stops cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MinerLeaseTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task OnlyTheLeaseHolderPollsUntilTheIntervalIsOver()
    {
        await using var feeds = await FixtureHttpServer.StartAsync();
        feeds.Set("/list.txt", "203.0.113.1\n203.0.113.2\n");
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "lease",
            "{prototype: blutmagie.tor_exit_nodes, output: true, config: {url: '" + feeds.Url("/list.txt") + "', interval: 2}}");
        using var first = graph.Replica(new MinerRunOptions { InstanceId = "replica-a" });
        using var second = graph.Replica(new MinerRunOptions { InstanceId = "replica-b" });

        Assert.True(await first.PollAsync(TestContext.Current.CancellationToken));
        Assert.False(await second.PollAsync(TestContext.Current.CancellationToken));
        Assert.True(await first.PollAsync(TestContext.Current.CancellationToken), "the holder may poll again within its interval (a HUP)");
        Assert.Equal(2, feeds.Requests["/list.txt"]);

        // Once the interval is over the lease is free, and the other replica takes over with the same table.
        await PipelineHarness.EventuallyAsync(async () => await second.PollAsync(TestContext.Current.CancellationToken), "the second replica to take the lease", TimeSpan.FromSeconds(10));
        Assert.Equal(3, feeds.Requests["/list.txt"]);
        Assert.Equal(2, second.Poller.Length);
        Assert.Equal(0, second.Poller.Counters.Added);
        Assert.Equal(0, second.Poller.Counters.UpdateTx);
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
