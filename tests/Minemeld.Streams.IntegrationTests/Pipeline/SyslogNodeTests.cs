using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Redis;
using Minemeld.Streams.Hosting.Syslog;
using Minemeld.Streams.IntegrationTests.Fixtures;
using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's syslog nodes: PAN-OS logs sent over UDP and TCP to the syslog receiver land on the graph's syslog topic,
/// where a syslog matcher turns those that mention its indicators into sightings and a syslog miner applies its rules.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SyslogNodeTests(KafkaFixture kafka, RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("syslog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheMatcherPublishesSightingsOfItsIndicatorsAndWithdrawsThemWithTheirIndicator()
    {
        var graphName = KafkaFixture.UniqueName("sysm");
        var names = new TopicNames("minemeld", graphName);
        var graphFile = Path.Combine(_directory, "g.yml");
        await File.WriteAllTextAsync(graphFile, $$"""
            name: {{graphName}}
            nodes:
              threats: {prototype: stdlib.listIPv4Generic, output: true}
              matcher: {prototype: stdlib.localSyslog, inputs: [threats], output: true}
            """, TestContext.Current.CancellationToken);
        var graph = GraphLoader.LoadFile(graphFile, PrototypeLibrary.BuiltIn).Graph!;
        var input = names.Edge("threats");
        await kafka.CreateTopicAsync(input, 2);
        await kafka.CreateTopicAsync(names.Edge("matcher"), 1);
        await kafka.CreateTopicAsync(names.Syslog(SyslogSettings.DefaultExchange), 2);
        var store = new RedisStateStore(await redis.ConnectAsync());
        using var harness = new PipelineHarness(kafka.BootstrapServers);

        // The matcher's table is fed by its input...
        var handler = new SyslogMatcherHandler(graphName, "matcher", graph["matcher"].Config, store);
        using var consumer = harness.Consumer(new Subscription(names.Group("matcher"), [input]), handler);
        await consumer.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => consumer.HasAssignment, "the input consumer got its partitions");
        await harness.Publisher.PublishAsync(
            [
                PipelineHarness.Update(input, "203.0.113.0-203.0.113.255", "threats", Value("IPv4", "dshield.block")),
                PipelineHarness.Update(input, "2001:db8:bad::/48", "threats6", Value("IPv6", "dshield.block")), // another input: each keeps its first type
                PipelineHarness.Update(input, "evil.example.com", "threats", Value("domain", "x")), // the IPv4 input sending a domain: ignored
            ],
            TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => handler.Counters["added"] >= 2 && handler.Counters["ignored"] == 1, "the table holds the indicators");

        // ...and its matcher reads the syslog topic, fed by the receiver over UDP and TCP (octet counted).
        using var matcher = new SyslogMatcherService(graph["matcher"], graphName, names, harness.Factory, harness.Publisher, store, TimeProvider.System, NullLogger<SyslogMatcherService>.Instance);
        await matcher.StartAsync(TestContext.Current.CancellationToken);
        using var receiver = new SyslogReceiverService(
            Options.Create(new SyslogOptions { Listen = "udp://127.0.0.1:0,tcp://127.0.0.1:0" }),
            Options.Create(new KafkaOptions { TopicPrefix = "minemeld" }),
            new GraphProvider(Options.Create(new GraphOptions { Path = graphFile })),
            harness.Publisher,
            NullLogger<SyslogReceiverService>.Instance);
        await receiver.StartAsync(TestContext.Current.CancellationToken);
        using (var udp = new UdpClient())
        {
            var bytes = Encoding.UTF8.GetBytes(Traffic("10.1.1.5", "203.0.113.77"));
            await udp.SendAsync(bytes, receiver.Bound[0], TestContext.Current.CancellationToken);
            bytes = Encoding.UTF8.GetBytes(Traffic("10.1.1.6", "198.51.100.1")); // matches nothing
            await udp.SendAsync(bytes, receiver.Bound[0], TestContext.Current.CancellationToken);
        }

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(receiver.Bound[1], TestContext.Current.CancellationToken);
            var message = Traffic("2001:db8:bad::9", "10.1.1.7");
            await tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(message)} {message}"), TestContext.Current.CancellationToken);
        }

        await PipelineHarness.EventuallyAsync(async () => matcher.Processed >= 3, "the matcher looked at the three messages");
        var sightings = PipelineHarness.ReadTopic(kafka.BootstrapServers, names.Edge("matcher"), expected: 2).ToDictionary(static m => m.Indicator, static m => m.Value!);
        Assert.Equal(["2001:db8:bad::9", "203.0.113.77"], sightings.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("IPv4203.0.113.0-203.0.113.255", sightings["203.0.113.77"]["syslog_original_indicator"]!.GetValue<string>());
        Assert.Equal(["dshield.block"], sightings["203.0.113.77"]["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));
        Assert.Equal(2, matcher.Counters["source.dshield.block"]);
        Assert.Equal(2, matcher.Counters["total_matches"]);

        // The range leaves the table: its sighting is withdrawn, the other stays.
        await harness.Publisher.PublishAsync([PipelineHarness.Withdraw(input, "203.0.113.0-203.0.113.255", "threats")], TestContext.Current.CancellationToken);
        var all = PipelineHarness.ReadTopic(kafka.BootstrapServers, names.Edge("matcher"), expected: 3);
        Assert.Equal(("203.0.113.77", MessageOp.Withdraw), (all[^1].Indicator, all[^1].Op));

        await receiver.StopAsync(CancellationToken.None);
        await matcher.StopAsync(CancellationToken.None);
        await consumer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheMinerAppliesItsRulesToWhatArrivedSinceItsLastPoll()
    {
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "sysminer", "{prototype: stdlib.syslogMiner, output: true}");
        var names = new TopicNames("minemeld", graph.Name);
        var topic = names.Syslog(SyslogSettings.DefaultExchange);
        await kafka.CreateTopicAsync(topic, 2);
        var options = new MinerRunOptions { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = _directory }.WithKafka(graph.Harness.Factory, names);
        using var miner = graph.Replica(options);

        // No rules: the poll says where they go.
        await PollFailsAsync(miner, "no rules", "miner_rules.yml");
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_rules.yml"), """
            - name: critical threats
              conditions: ["type == 'THREAT'", "severity == 'critical'"]
              indicators: [src_ip, misc]
              fields: [threat_id, application]
            - name: denied traffic
              conditions: ["action == 'deny'"]
              indicators: [dest_ip]
            """, TestContext.Current.CancellationToken);

        // A message sent before the miner's first poll is not taken: it reads what arrives from then on.
        await Send(graph, topic, Threat("198.51.100.50", "old.example.com/x", "critical"));
        await PolledAsync(miner);
        Assert.Equal(0, miner.Poller.Counters.UpdateTx);

        await Send(graph, topic, Threat("198.51.100.51", "evil.example.com/gate.php", "critical"), Threat("198.51.100.52", "benign.example.com/", "low"),
            Traffic("10.1.1.8", "203.0.113.9", action: "deny"), """{"type": "THREAT", "severity": "critical", "src_ip": "2001:db8::51", "serial_number": "json-fw"}""");
        await PolledAsync(miner);
        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 4).ToDictionary(static m => m.Indicator, static m => m.Value!);
        Assert.Equal(["198.51.100.51", "2001:db8::51", "203.0.113.9", "evil.example.com/gate.php"], seen.Keys.Order(StringComparer.Ordinal));
        var attacker = seen["198.51.100.51"];
        Assert.Equal(("IPv4", "(9999)", "web-browsing"), (attacker["type"]!.GetValue<string>(), attacker["panossyslog_threat_id"]!.GetValue<string>(), attacker["panossyslog_application"]!.GetValue<string>()));
        Assert.Equal(["012801000001"], attacker["panossyslog_devices"]!.AsArray().Select(static d => d!.GetValue<string>()));
        Assert.Equal("URL", seen["evil.example.com/gate.php"]["type"]!.GetValue<string>());
        Assert.Equal("IPv6", seen["2001:db8::51"]["type"]!.GetValue<string>());
        Assert.Equal(["panos.syslog"], attacker["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));

        // A restart goes on from the saved offsets: nothing is taken twice, nothing is withdrawn.
        using var again = graph.Replica(options);
        await PolledAsync(again);
        Assert.Equal(0, again.Poller.Counters.UpdateTx + again.Poller.Counters.WithdrawTx);
    }

    private static async Task Send(SingleMinerGraph graph, string topic, params string[] messages) =>
        await graph.Harness.Publisher.PublishAsync(messages.Select((m, i) => new OutgoingMessage(topic, $"{Guid.NewGuid()}", Encoding.UTF8.GetBytes(m))), TestContext.Current.CancellationToken);

    private static JsonObject Value(string type, string source) => new() { ["type"] = type, ["confidence"] = 100, ["sources"] = new JsonArray(source) };

    private static string Traffic(string source, string destination, string action = "allow") =>
        $"<14>Dec  7 08:00:00 PA-VM 1,2026/12/07 08:00:01,012801000001,TRAFFIC,end,2305,2026/12/07 08:00:01,{source},{destination},"
        + $"192.0.2.10,{destination},allow-out,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,23456,1,51235,443,41235,443,0x400000,tcp,{action},"
        + "5120,1024,4096,12,2026/12/07 07:59:50,11,computer-and-internet-info";

    private static string Threat(string source, string url, string severity) =>
        $"<14>Dec  7 08:00:00 PA-VM 1,2026/12/07 08:00:00,012801000001,THREAT,url,2305,2026/12/07 08:00:00,{source},203.0.113.7,192.0.2.10,203.0.113.7,"
        + "allow-web,,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,12345,1,51234,80,41234,80,0x403000,tcp,alert,"
        + $"\"{url}\",(9999),malware,{severity},client-to-server,7065543,0x0";
}
