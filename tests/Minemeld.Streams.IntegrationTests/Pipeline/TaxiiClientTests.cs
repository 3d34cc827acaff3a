using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Globalization;
using Minemeld.Streams.Core.Messages;
using Minemeld.Streams.IntegrationTests.Fixtures;

using static Minemeld.Streams.IntegrationTests.Pipeline.MinerPolls;

namespace Minemeld.Streams.IntegrationTests.Pipeline;

/// <summary>
/// MineMeld's TAXII 1.1 client (<c>minemeld.ft.taxii.TaxiiClient</c>) polling a TAXII 1.1 server that speaks the
/// protocol's XML messages over HTTP, its indicators read back from its Kafka topic, its cursor from Redis.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TaxiiClientTests(KafkaFixture kafka, RedisFixture redis)
{
    [Fact]
    public async Task PollsDiscoverTheCollectionReadEveryPartAndGoOnFromWhereTheSavedPollEnded()
    {
        await using var server = await Taxii11Server.StartAsync();
        server.PartSize = 2; // five blocks: three parts, two fulfillments
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 5; i++)
        {
            server.Add(now.AddHours(-i), Package($"198.51.100.{i}"));
        }

        server.Add(now.AddDays(-3), Package("198.51.100.99")); // older than initial_interval: never asked for
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxii",
            $"{{prototype: hailataxii.guest_Abuse_ch, output: true, config: {{discovery_service: '{server.DiscoveryUrl}', num_retries: 1}}}}");
        using (var miner = graph.Replica(QuickRetries))
        {
            await PolledAsync(miner);
        }

        var first = Assert.Single(server.Polls);
        Assert.Null(first.Subscription);
        var begin = DateTimeOffset.Parse(first.Begin!, CultureInfo.InvariantCulture);
        Assert.InRange(begin, now.AddDays(-1).AddMinutes(-1), now.AddDays(-1).AddMinutes(1)); // initial_interval: one day back
        Assert.Equal(2, server.Fulfillments.Count);

        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 5);
        Assert.Equal(Enumerable.Range(1, 5).Select(static i => $"198.51.100.{i}").Order(StringComparer.Ordinal), seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
        var value = seen[0].Value!;
        Assert.Equal("IPv4", value["type"]!.GetValue<string>());
        Assert.Equal(["hailataxii.guest.Abuse_ch"], value["sources"]!.AsArray().Select(static s => s!.GetValue<string>()));
        Assert.Equal(80, value["confidence"]!.GetValue<long>()); // the package's High, over the prototype's 30
        Assert.Equal("green", value["share_level"]!.GetValue<string>());
        Assert.StartsWith("edge:Indicator-", value["miner_indicator"]!.GetValue<string>(), StringComparison.Ordinal);

        // A new block after the first poll; a new replica (a restart) goes on from the end the saved poll covered.
        server.Add(DateTimeOffset.UtcNow, Package("203.0.113.50"));
        using (var replica = graph.Replica(QuickRetries))
        {
            await PolledAsync(replica);
        }

        var second = server.Polls.Last();
        Assert.Equal(first.End, second.Begin);
        seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 6);
        Assert.Equal("203.0.113.50", seen[^1].Indicator);
        Assert.Equal(MessageOp.Update, seen[^1].Op);
        Assert.Equal(6, seen.Count); // the first five were not asked for again, and no sudden death withdrew them

        // A poll the server fails keeps the cursor: the next good one starts where the last good one ended.
        using var third = graph.Replica(QuickRetries);
        server.PollStatus = "FAILURE";
        await PollFailsAsync(third, "FAILURE", "being rebuilt");
        server.PollStatus = null;
        await PolledAsync(third);
        Assert.Equal(second.End, server.Polls.Last().Begin);
    }

    [Fact]
    public async Task WindowsOfMaxPollDtCoverTheInitialInterval()
    {
        await using var server = await Taxii11Server.StartAsync();
        server.Add(DateTimeOffset.UtcNow.AddHours(-60), Package("192.0.2.60"));
        server.Add(DateTimeOffset.UtcNow.AddHours(-1), Package("192.0.2.1"));
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxiiwin",
            $"{{prototype: hailataxii.guest_Abuse_ch, output: true, config: {{discovery_service: '{server.DiscoveryUrl}', initial_interval: 3d, max_poll_dt: 1d}}}}");
        using var miner = graph.Replica(QuickRetries);

        await PolledAsync(miner);

        var polls = server.Polls.ToList();
        Assert.Equal(3, polls.Count);
        Assert.Equal(polls[0].End, polls[1].Begin);
        Assert.Equal(polls[1].End, polls[2].Begin);
        var seen = PipelineHarness.ReadTopic(kafka.BootstrapServers, graph.Topic, expected: 2);
        Assert.Equal(["192.0.2.1", "192.0.2.60"], seen.Select(static m => m.Indicator).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CredentialsAndSubscriptionComeFromTheSideConfigAndRefusalsSayWhy()
    {
        await using var server = await Taxii11Server.StartAsync();
        server.Add(DateTimeOffset.UtcNow.AddMinutes(-5), Package("192.0.2.7"));
        var directory = Directory.CreateTempSubdirectory("taxii-").FullName;
        try
        {
            var options = new MinerRunOptions { MinRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(20), GraphDirectory = directory };
            using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxiiauth",
                $"{{class: minemeld.ft.taxii.TaxiiClient, output: true, config: {{discovery_service: '{server.DiscoveryUrl}', collection: {Taxii11Server.Collection}, "
                + "subscription_id_required: true, lower_timestamp_precision: true, num_retries: 1}}");
            using var miner = graph.Replica(options);

            // No credentials anywhere (client_credentials_required by default): refused before any request.
            await PollFailsAsync(miner, "username and password are required", "miner_side_config.yml");
            Assert.Empty(server.Polls);

            // Credentials but no subscription id: refused before any request, naming the file.
            var sideConfig = Path.Combine(directory, "miner_side_config.yml");
            await File.WriteAllTextAsync(sideConfig, "username: guest\npassword: wrong\n", TestContext.Current.CancellationToken);
            await PollFailsAsync(miner, "no subscription_id", "miner_side_config.yml");
            Assert.Empty(server.Polls);

            // Wrong credentials: the server's 401, with the hint.
            await File.WriteAllTextAsync(sideConfig, "username: guest\npassword: wrong\nsubscription_id: sub-41\n", TestContext.Current.CancellationToken);
            await PollFailsAsync(miner, "401", "credentials");

            // A subscription the server refuses: its status type and message.
            server.RequiredSubscription = "sub-42";
            await File.WriteAllTextAsync(sideConfig, "username: guest\npassword: guest\nsubscription_id: sub-41\n", TestContext.Current.CancellationToken);
            await PollFailsAsync(miner, "UNAUTHORIZED", "a valid subscription id is required");

            // The right one: the poll carries it, with minute precision labels.
            await File.WriteAllTextAsync(sideConfig, "username: guest\npassword: guest\nsubscription_id: sub-42\n", TestContext.Current.CancellationToken);
            await PolledAsync(miner);
            var poll = server.Polls.Last();
            Assert.Equal("sub-42", poll.Subscription);
            Assert.EndsWith(":00.000000+00:00", poll.End, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AnUnknownCollectionIsNamedWithWhatTheServerHas()
    {
        await using var server = await Taxii11Server.StartAsync();
        using var graph = await SingleMinerGraph.CreateAsync(kafka, redis, "taxiicoll",
            $"{{prototype: hailataxii.guest_phishtank_com, output: true, config: {{discovery_service: '{server.DiscoveryUrl}', num_retries: 1}}}}");
        using var miner = graph.Replica(QuickRetries);
        await PollFailsAsync(miner, "collection 'guest.phishtank_com' not found", "guest.Abuse_ch", "system.Default");
    }

    /// <summary>A package as Soltra Edge wrote them for hailataxii: one address observable, one indicator with High confidence.</summary>
    private static string Package(string address) => $"""
        <stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="http://stix.mitre.org/Indicator-2"
            xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2"
            xmlns:stixCommon="http://stix.mitre.org/common-1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:edge="http://soltra.com/"
            id="edge:Package-{Guid.NewGuid()}" version="1.1.1" timestamp="{DateTimeOffset.UtcNow:O}">
          <stix:Observables cybox_major_version="2" cybox_minor_version="1">
            <cybox:Observable id="edge:Observable-{address}">
              <cybox:Object><cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
                <AddressObj:Address_Value condition="Equals">{address}</AddressObj:Address_Value></cybox:Properties></cybox:Object>
            </cybox:Observable>
          </stix:Observables>
          <stix:Indicators>
            <stix:Indicator id="edge:Indicator-{address}" xsi:type="indicator:IndicatorType">
              <indicator:Title>Feodo Tracker</indicator:Title>
              <indicator:Observable idref="edge:Observable-{address}"/>
              <indicator:Confidence><stixCommon:Value>High</stixCommon:Value></indicator:Confidence>
            </stix:Indicator>
          </stix:Indicators>
        </stix:STIX_Package>
        """;
}
