using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Hosting.Kafka;
using Minemeld.Streams.Hosting.Logstash;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>MineMeld's Logstash output: indicators read from Kafka, written as JSON lines to a TCP listener as Logstash's tcp input is.</summary>
[Trait("Category", "Integration")]
public sealed class LogstashOutputTests(KafkaFixture kafka)
{
    [Fact]
    public async Task EveryUpdateAndWithdrawIsAJsonLineAndAnOutageLosesNone()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        var port = FreePorts.Next();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var topic = KafkaFixture.UniqueName("edge");
        await kafka.CreateTopicAsync(topic, 1);
        using var harness = new PipelineHarness(kafka.BootstrapServers);
        var infilters = FilterSet.FromConfig(JsonNode.Parse("""[{"name": "drop low", "conditions": ["confidence < 20"], "actions": ["drop"]}]"""), static (_, _) => { });
        using var handler = new LogstashOutputHandler("toElk", infilters, new LogstashSender("127.0.0.1", port, TimeProvider.System));
        using var consumer = harness.Consumer(new Subscription(KafkaFixture.UniqueName("g"), [topic]), handler);
        await consumer.StartAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => consumer.HasAssignment, "the consumer got its partition");

        var lastSeen = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await harness.Publisher.PublishAsync(
            [
                PipelineHarness.Update(topic, "198.51.100.20", "agg", new JsonObject { ["type"] = "IPv4", ["confidence"] = 80, ["last_seen"] = lastSeen, ["sources"] = new JsonArray("dshield.block") }),
                PipelineHarness.Update(topic, "198.51.100.21", "agg", new JsonObject { ["type"] = "IPv4", ["confidence"] = 10 }), // dropped: a withdraw for this node
                PipelineHarness.Withdraw(topic, "198.51.100.22", "agg"),
            ],
            TestContext.Current.CancellationToken);

        using var connection = await listener.AcceptTcpClientAsync(deadline.Token);
        using var reader = new StreamReader(connection.GetStream());
        var lines = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            lines.Add((JsonObject)JsonNode.Parse((await reader.ReadLineAsync(deadline.Token))!)!);
        }

        var update = lines[0];
        Assert.Equal(("update", "198.51.100.20", "agg", "toElk"), (Text(update, "message"), Text(update, "@indicator"), Text(update, "@origin"), Text(update, "logstash_output_node")));
        Assert.Equal("2026-12-07T08:00:00.000Z", Text(update, "last_seen"));
        Assert.Equal(80, update["confidence"]!.GetValue<long>());
        Assert.Equal(1, update["@version"]!.GetValue<long>());
        Assert.Equal(("withdraw", "198.51.100.21"), (Text(lines[1], "message"), Text(lines[1], "@indicator")));
        Assert.Equal(("withdraw", "198.51.100.22"), (Text(lines[2], "message"), Text(lines[2], "@indicator")));

        // Logstash goes away: the next batch fails and is retried until it is back; the event arrives.
        connection.Close();
        listener.Stop();
        await harness.Publisher.PublishAsync([PipelineHarness.Update(topic, "198.51.100.23", "agg", new JsonObject { ["type"] = "IPv4", ["confidence"] = 90 })], TestContext.Current.CancellationToken);
        await PipelineHarness.EventuallyAsync(async () => handler.Counters["update.rx"] >= 3, "the handler tried the new batch");
        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            using var again = await listener.AcceptTcpClientAsync(deadline.Token);
            using var reader2 = new StreamReader(again.GetStream());
            string? line;
            do
            {
                line = await reader2.ReadLineAsync(deadline.Token);
            }
            while (line is not null && !line.Contains("198.51.100.23", StringComparison.Ordinal));
            Assert.NotNull(line);
        }
        finally
        {
            await consumer.StopAsync(CancellationToken.None);
            listener.Stop();
        }
    }

    private static string Text(JsonObject value, string key) => value[key]!.GetValue<string>();
}
