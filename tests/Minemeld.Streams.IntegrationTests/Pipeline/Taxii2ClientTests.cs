using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text.Json.Nodes;
using Minemeld.Streams.IntegrationTests.Fixtures;
using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>MineMeld's TAXII 2 client (<c>taxii2.Taxii2Client</c>) polling a TAXII 2.1 server, indicators read back from Kafka.</summary>
[Trait("Category", "Integration")]
public sealed class Taxii2ClientTests(KafkaFixture kafka, RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("taxii2-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PlaybooksAreReadPageByPageAndTheNextPollGoesOnFromTheLastAddedDate()
    {
        await using var server = await Taxii21Server.StartAsync();
        server.ApiKey = "unit42-key";
        var now = DateTimeOffset.UtcNow;
        server.Add(now.AddHours(-3), Indicator("indicator--11111111-1111-4111-8111-111111111111", "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'evil.example.com']", confidence: 85));
        server.Add(now.AddHours(-3), new JsonObject { ["type"] = "attack-pattern", ["id"] = "attack-pattern--aaaa", ["name"] = "Spearphishing Link " });
        server.Add(now.AddHours(-3), new JsonObject
        {
            ["type"] = "relationship", ["id"] = "relationship--r1", ["relationship_type"] = "indicates",
            ["source_ref"] = "indicator--11111111-1111-4111-8111-111111111111", ["target_ref"] = "attack-pattern--aaaa",
        });
        server.Add(now.AddHours(-2), Indicator("indicator--22222222-2222-4222-8222-222222222222", "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"));
        server.Add(now.AddHours(-2), Indicator("indicator--33333333-3333-4333-8333-333333333333", "[ipv4-addr:value != '10.0.0.1']")); // no equality: nothing
        var revoked = Indicator("indicator--44444444-4444-4444-8444-444444444444", "[url:value = 'http://old.example.com/']");
        revoked["revoked"] = true;
        server.Add(now.AddHours(-1), revoked);
        server.Add(now.AddDays(-3), Indicator("indicator--55555555-5555-4555-8555-555555555555", "[ipv4-addr:value = '192.0.2.200']")); // before initial_interval

        // MineMeld's playbooks prototype ships disabled: the poll says so, and nothing is asked.
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxii2", "{prototype: stix2.playbooks, output: true}");
        using (var disabled = graph.Replica(Options()))
        {
            await PollFailsAsync(disabled, "disabled", "enabled: yes");
        }

        Assert.Empty(server.ObjectRequests);
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"),
            $"enabled: yes\ndiscovery_service: {server.DiscoveryUrl}\napi_key: unit42-key\n", TestContext.Current.CancellationToken);
        using (var miner = graph.Replica(Options()))
        {
            await PolledAsync(miner);
        }

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 3).ToDictionary(static m => m.Indicator, static m => m.Value!);
        Assert.Equal(["198.51.100.1", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "evil.example.com"], seen.Keys.Order(StringComparer.Ordinal));
        var ip = seen["198.51.100.1"];
        Assert.Equal(("IPv4", 85L, "Spearphishing Link"), (ip["type"]!.GetValue<string>(), ip["confidence"]!.GetValue<long>(), ip["techniques"]!.GetValue<string>()));
        Assert.Equal("unit42.playbooks", ip["sources"]![0]!.GetValue<string>());
        Assert.Equal("sha256", seen["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]["type"]!.GetValue<string>());
        Assert.Equal("domain", seen["evil.example.com"]["type"]!.GetValue<string>());

        // Pages of 100 (the limit) were followed with next; the first asked one day back (initial_interval).
        var first = server.ObjectRequests.First();
        Assert.Contains("limit=100", first, StringComparison.Ordinal);

        // A new object; a restarted replica asks only for what was added after the last date the server answered.
        server.Add(DateTimeOffset.UtcNow, Indicator("indicator--66666666-6666-4666-8666-666666666666", "[url:value = 'http://new.example.com/payload']"));
        using (var again = graph.Replica(Options()))
        {
            await PolledAsync(again);
        }

        var second = server.ObjectRequests.Last();
        Assert.Contains("added_after=" + Uri.EscapeDataString((now.AddHours(-1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)), second, StringComparison.Ordinal);
        var all = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 4);
        Assert.Equal("http://new.example.com/payload", all[^1].Indicator);
    }

    [Fact]
    public async Task AWrongKeyAndAMissingCollectionAreSaid()
    {
        await using var server = await Taxii21Server.StartAsync();
        server.ApiKey = "right";
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxii2bad",
            $"{{class: minemeld.ft.taxii2.Taxii2Client, output: true, config: {{enabled: true, discovery_service: '{server.DiscoveryUrl}', api_root: playbooks, "
            + "auth_type: apikey, api_key: wrong, collection: Nonexistent, num_retries: 1}}");
        using var miner = graph.Replica(Options());
        await PollFailsAsync(miner, "401");

        server.ApiKey = null;
        await PollFailsAsync(miner, "collection 'Nonexistent' not found", "Unit 42 Playbooks");
    }

    private MinerRunOptions Options() => new() { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = _directory };

    private static JsonObject Indicator(string id, string pattern, int? confidence = null)
    {
        var indicator = new JsonObject
        {
            ["type"] = "indicator", ["spec_version"] = "2.1", ["id"] = id, ["created"] = "2026-12-01T00:00:00.000Z", ["modified"] = "2026-12-01T00:00:00.000Z",
            ["pattern"] = pattern, ["pattern_type"] = "stix", ["valid_from"] = "2026-12-01T00:00:00Z",
        };
        if (confidence is { } c)
        {
            indicator["confidence"] = c;
        }

        return indicator;
    }
}
