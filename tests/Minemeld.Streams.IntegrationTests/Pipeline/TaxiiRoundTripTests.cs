using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Minemeld.Streams.FeedServer.Extensions;
using Minemeld.Streams.Hosting.Extensions;
using Minemeld.Streams.Hosting.State;
using Minemeld.Streams.IntegrationTests.Fixtures;
using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's TAXII 2 client class (<c>taxii2.Taxii2Client</c>) reading this project's own TAXII 2.1 server over HTTP
/// (Kestrel, Basic auth as a feed user, the collection by title): what one deployment publishes, another reads,
/// page by page, and a later poll asks only for what was added after the last date it saw.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TaxiiRoundTripTests(KafkaFixture kafka, RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("taxii-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheTaxii2ClientMinerReadsThisServersCollection()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = KafkaFixture.UniqueName("taxiisrc");
        await File.WriteAllTextAsync(Path.Combine(_directory, $"{name}.yml"), $"name: {name}\nnodes:\n  list: {{prototype: stdlib.listIPv4Generic, output: true}}\n  published: {{prototype: stdlib.feedHCWithValue, inputs: [list]}}\n", ct);
        await File.WriteAllTextAsync(Path.Combine(_directory, $"{name}.users.yml"), "feeds_auth_enabled: true\nfeeds: {published: {tags: [partner]}}\nfeed_users: {partner: {password: partner-secret, tags: [partner]}}\n", ct);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Graph:Path"] = Path.Combine(_directory, $"{name}.yml"),
            ["Redis:Configuration"] = await redis.EndpointAsync(),
            ["FeedServer:CacheDirectory"] = Path.Combine(_directory, "cache"),
        });
        builder.AddMinemeldDefaults();
        builder.AddFeedServer();
        await using var app = builder.Build();
        app.MapFeedServer();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var feed = app.Services.GetRequiredService<IStateStore>().Feed(name, "published");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var published = Enumerable.Range(0, 250).Select(i => $"198.18.{i / 200}.{i % 200}").ToList();
        await feed.ApplyAsync([.. published.Select((indicator, i) => new FeedChange($"{indicator}-{indicator}", true, now - 3_600_000 + i,
            $$"""{"sources":["list"],"confidence":90,"first_seen":{{now - 3_600_000 + i}},"type":"IPv4","share_level":"green","last_seen":{{now - 3_600_000 + i}}}"""))], null, TestContext.Current.CancellationToken);

        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxii2rt", "{class: minemeld.ft.taxii2.Taxii2Client, output: true, config: {enabled: true, attributes: {type: IPv4, confidence: 50}}}");
        await File.WriteAllTextAsync(Path.Combine(_directory, "miner_side_config.yml"),
            $"discovery_service: {address}/taxii2/\ncollection: published\nusername: partner\npassword: partner-secret\n", ct);
        var options = new Hosting.Nodes.Miners.MinerRunOptions { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = _directory };
        using (var miner = graph.Replica(options))
        {
            await PolledAsync(miner);
        }

        var first = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: published.Count);
        Assert.Equal(published.Order(StringComparer.Ordinal), first.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
        Assert.All(first, static m => Assert.Equal(90L, m.Value!["confidence"]!.GetValue<long>()));

        // One more indicator published; the next poll (a new replica: the cursor is in the state store) reads it.
        await feed.ApplyAsync([new FeedChange("203.0.113.9-203.0.113.9", true, now, $$"""{"sources":["list"],"confidence":95,"first_seen":{{now}},"type":"IPv4","last_seen":{{now}}}""")], null, TestContext.Current.CancellationToken);
        using (var again = graph.Replica(options))
        {
            await PolledAsync(again);
        }

        var all = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: published.Count + 1);
        Assert.Contains(all, static m => m.Indicator == "203.0.113.9");
        await app.StopAsync(ct);
    }
}
