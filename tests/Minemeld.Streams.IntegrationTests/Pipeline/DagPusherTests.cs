using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Dag;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's DAG pushers: indicators read from Kafka by the node's handler (state in Redis), pushed by its service to
/// a PAN-OS device's XML API over HTTPS (a fixture that keeps registrations as a firewall does).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DagPusherTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task TheDeviceGetsTheNodesAddressesAndTagsAndFollowsEveryChange()
    {
        await using var device = await PanOsServer.StartAsync();
        // Before the first push: an address another integration tagged, and one an earlier pusher left behind.
        device.Register("192.0.2.200", persistent: true, "corp_servers");
        device.Register("192.0.2.99", persistent: true, "mmld_pushed", "mmld_confidence_low", "corp_servers");
        await using var node = await DagNode.StartAsync(kafka, redis, device, "stdlib.dagPusherNg");

        await node.SendAsync(
            PipelineHarness.Update(node.Topic, "198.51.100.7", "agg", Value("IPv4", 90, "inbound")),
            PipelineHarness.Update(node.Topic, "2001:db8::1", "agg", Value("IPv6", 60, null)),
            PipelineHarness.Update(node.Topic, "203.0.113.5-203.0.113.5", "agg", Value("IPv4", 10, "outbound")),
            PipelineHarness.Update(node.Topic, "198.51.100.0/24", "agg", Value("IPv4", 90, "inbound")), // a network: ignored
            PipelineHarness.Update(node.Topic, "evil.example.com", "agg", Value("domain", 90, null))); // not an address: ignored
        await node.PushAsync();

        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["192.0.2.200"] = "corp_servers",
                ["192.0.2.99"] = "corp_servers", // the stale tags went, the foreign one stayed
                ["198.51.100.7"] = "mmld_confidence_high mmld_direction_inbound mmld_pushed",
                ["2001:db8::1"] = "mmld_confidence_medium mmld_direction_unknown mmld_pushed",
                ["203.0.113.5"] = "mmld_confidence_low mmld_direction_outbound mmld_pushed",
                ["::/128"] = "mmld_canary_for_resync",
            },
            device.Registered());
        Assert.Equal(2, node.Handler.Counters["ignored"]);
        Assert.Equal(3, node.Service.Length);
        Assert.Contains("version", device.Calls); // dag_ng checks PAN-OS 8.0 or later first

        // A withdraw and a changed confidence: only the changes are sent (no new read of the device).
        var reads = device.Calls.Count(static c => c == "op");
        await node.SendAsync(
            PipelineHarness.Withdraw(node.Topic, "203.0.113.5-203.0.113.5", "agg"),
            PipelineHarness.Update(node.Topic, "198.51.100.7", "agg", Value("IPv4", 55, "inbound")));
        await node.PushAsync();
        var registered = device.Registered();
        Assert.False(registered.ContainsKey("203.0.113.5"));
        Assert.Equal("mmld_confidence_medium mmld_direction_inbound mmld_pushed", registered["198.51.100.7"]);
        Assert.Equal(reads, device.Calls.Count(static c => c == "op"));

        // Registrations are persistent (dagPusherNg): a restart keeps them, and the canary's loss alone triggers a resync.
        device.Restart();
        node.Time.Advance(DagDeviceSync.CanaryCheck);
        await node.PushAsync();
        Assert.Equal(1, node.Service.Counters["device.out_of_sync"]);
        Assert.Equal("mmld_canary_for_resync", device.Registered()["::/128"]);
        Assert.Equal("mmld_confidence_medium mmld_direction_inbound mmld_pushed", device.Registered()["198.51.100.7"]);
    }

    [Fact]
    public async Task NonPersistentRegistrationsLostInARestartAreRegisteredAgain()
    {
        await using var device = await PanOsServer.StartAsync();
        await using var node = await DagNode.StartAsync(kafka, redis, device, "stdlib.nonpersistentDagPusherNg");
        await node.SendAsync(PipelineHarness.Update(node.Topic, "198.51.100.8", "agg", Value("IPv4", 80, "inbound")));
        await node.PushAsync();
        Assert.Equal("mmld_confidence_high mmld_direction_inbound mmld_pushed", device.Registered()["198.51.100.8"]);

        device.Restart(); // everything was non-persistent: the device now holds nothing
        Assert.Empty(device.Registered());
        node.Time.Advance(DagDeviceSync.CanaryCheck);
        await node.PushAsync();
        Assert.Equal("mmld_confidence_high mmld_direction_inbound mmld_pushed", device.Registered()["198.51.100.8"]);
        Assert.Equal(2, node.Service.Counters["device.resync"]);
    }

    [Fact]
    public async Task TheClassicPusherFindsItsAddressesByTheWatermarkAndAFailingDeviceIsRetriedWithAResync()
    {
        await using var device = await PanOsServer.StartAsync();
        device.Version = "7.1.0"; // the classic pusher works with any version
        device.Register("192.0.2.50", persistent: true, "mmld_pushed", "mmld_confidence_high", "mmld_direction_inbound");
        await using var node = await DagNode.StartAsync(kafka, redis, device, "stdlib.dagPusher");

        await node.SendAsync(PipelineHarness.Update(node.Topic, "192.0.2.51", "agg", Value("IPv4", 80, "inbound")));
        device.Down = true;
        await node.PushAsync();
        Assert.Equal(1, node.Service.Counters["error.push"]);
        Assert.Contains("restarting", node.Service.Problem, StringComparison.Ordinal);

        device.Down = false;
        node.Time.Advance(TimeSpan.FromMinutes(1)); // a failed device waits a minute
        await node.PushAsync();
        Assert.Null(node.Service.Problem);
        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal) { ["192.0.2.51"] = "mmld_confidence_high mmld_direction_inbound mmld_pushed" },
            device.Registered()); // 192.0.2.50 carried the watermark and is not the node's: unregistered
        Assert.DoesNotContain("version", device.Calls);
    }

    [Fact]
    public async Task ADeviceListThatCannotBeUsedIsSaidAndTheDevicesLoadedBeforeGoOn()
    {
        await using var device = await PanOsServer.StartAsync();
        await using var node = await DagNode.StartAsync(kafka, redis, device, "stdlib.dagPusherNg");
        await node.SendAsync(PipelineHarness.Update(node.Topic, "198.51.100.9", "agg", Value("IPv4", 80, "inbound")));
        await node.PushAsync();

        await File.WriteAllTextAsync(node.DeviceList, "- {hostname: 127.0.0.1\n", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(node.DeviceList, DateTime.UtcNow.AddSeconds(5));
        await node.SendAsync(PipelineHarness.Update(node.Topic, "198.51.100.10", "agg", Value("IPv4", 80, "inbound")));
        await node.PushAsync();
        Assert.Contains("_device_list.yml", node.Service.Problem, StringComparison.Ordinal);
        Assert.True(device.Registered().ContainsKey("198.51.100.10"));
    }

    private static JsonObject Value(string type, int confidence, string? direction)
    {
        var value = new JsonObject { ["type"] = type, ["confidence"] = confidence, ["sources"] = new JsonArray("test") };
        if (direction is not null)
        {
            value["direction"] = direction;
        }

        return value;
    }

    /// <summary>A DAG pusher node of the given prototype: its input topic, handler on a real consumer, and pusher service.</summary>
    private sealed class DagNode : IAsyncDisposable
    {
        private readonly PipelineHarness _harness;
        private readonly EdgeConsumerService _consumer;
        private readonly string _directory;
        private int _sent;

        private DagNode(PipelineHarness harness, string topic, DagPusherHandler handler, EdgeConsumerService consumer, DagPusherService service, SettableTime time, string directory)
        {
            (_harness, Topic, Handler, _consumer, Service, Time, _directory) = (harness, topic, handler, consumer, service, time, directory);
        }

        public string Topic { get; }

        public DagPusherHandler Handler { get; }

        public DagPusherService Service { get; }

        public SettableTime Time { get; }

        public string DeviceList => Path.Combine(_directory, "pusher_device_list.yml");

        public static async Task<DagNode> StartAsync(KafkaFixture kafka, RedisFixture redis, PanOsServer device, string prototype)
        {
            var graphName = KafkaFixture.UniqueName("dag");
            var directory = Directory.CreateTempSubdirectory("dag-").FullName;
            await File.WriteAllTextAsync(Path.Combine(directory, "pusher_device_list.yml"), $"""
                - hostname: 127.0.0.1
                  port: {device.Port}
                  api_username: {PanOsServer.User}
                  api_password: {PanOsServer.Password}
                  ca_file: {device.CaFile}
                """);
            var result = GraphLoader.Parse($"name: {graphName}\nnodes:\n  src: {{prototype: stdlib.listIPv4Generic, output: true}}\n  pusher: {{prototype: {prototype}, inputs: [src]}}\n", "t.yml", graphName, PrototypeLibrary.BuiltIn);
            Assert.True(result.IsValid, string.Join('\n', result.Errors));
            var node = result.Graph!["pusher"];
            var topic = KafkaFixture.UniqueName("edge");
            await kafka.CreateTopicAsync(topic, 2);
            var store = new RedisStateStore(await redis.ConnectAsync());
            var time = new SettableTime();
            var harness = new PipelineHarness(kafka.BootstrapServers);
            var handler = new DagPusherHandler(graphName, "pusher", Core.Filters.FilterSet.FromConfig(node.Config["infilters"], static (_, _) => { }),
                Core.Dag.DagTagger.FromConfig(node.Config), 3_600_000, store, time);
            var consumer = harness.Consumer(new Subscription($"{graphName}.pusher", [topic]), handler);
            await consumer.StartAsync(TestContext.Current.CancellationToken);
            await PipelineHarness.EventuallyAsync(async () => consumer.HasAssignment, "the consumer got its partitions");
            var service = new DagPusherService(node, graphName, store, new MinerRunOptions { GraphDirectory = directory }, time, NullLogger<DagPusherService>.Instance);
            return new DagNode(harness, topic, handler, consumer, service, time, directory);
        }

        /// <summary>Publishes the messages and waits until the handler has stored them.</summary>
        public async Task SendAsync(params OutgoingMessage[] messages)
        {
            await _harness.Publisher.PublishAsync(messages, TestContext.Current.CancellationToken);
            _sent += messages.Length;
            await PipelineHarness.EventuallyAsync(async () => Handler.Completed >= _sent, $"the handler stored what was sent ({string.Join(", ", Handler.Counters.Snapshot())}, completed {Handler.Completed}, {_consumer.FatalError})");
        }

        /// <summary>One look of the pusher (what its loop does every few seconds and at every HUP).</summary>
        public Task PushAsync() => Service.CycleAsync(TestContext.Current.CancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _consumer.StopAsync(CancellationToken.None);
            _consumer.Dispose();
            Service.Dispose();
            _harness.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A clock the test moves: the canary check and the failed-device delay are minutes long.</summary>
    private sealed class SettableTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
