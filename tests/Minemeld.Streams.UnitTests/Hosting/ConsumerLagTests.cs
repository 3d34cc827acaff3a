using Confluent.Kafka;
using Minemeld.Streams.Hosting.Metrics;

namespace Minemeld.Streams.UnitTests.Hosting;

/// <summary>Reading librdkafka's statistics document (the shape librdkafka 2.x emits, trimmed to what is read).</summary>
public sealed class ConsumerLagTests
{
    private const string Statistics = """
        {"name":"c#consumer-1","type":"consumer","ts":1,"topics":{
          "minemeld.g.m":{"topic":"minemeld.g.m","partitions":{
            "0":{"partition":0,"fetch_state":"active","hi_offset":120,"stored_offset":100,"committed_offset":90,"consumer_lag":30,"consumer_lag_stored":20},
            "1":{"partition":1,"fetch_state":"offset-wait","hi_offset":-1,"consumer_lag":-1,"consumer_lag_stored":-1},
            "2":{"partition":2,"fetch_state":"none","consumer_lag":5,"consumer_lag_stored":5},
            "-1":{"partition":-1,"fetch_state":"none","consumer_lag":-1,"consumer_lag_stored":-1}}},
          "minemeld.g.n":{"topic":"minemeld.g.n","partitions":{
            "3":{"partition":3,"fetch_state":"active","consumer_lag":0,"consumer_lag_stored":0}}}}}
        """;

    [Fact]
    public void StoredLagOfAssignedPartitionsOnlyAndForgottenOnRevoke()
    {
        var group = $"unit-{Guid.NewGuid():N}";
        ConsumerLag.Report(group, Statistics);

        var series = ConsumerLag.Lag.GetAllLabelValues().Where(l => l[0] == group).ToDictionary(static l => $"{l[2]}/{l[3]}", static l => ConsumerLag.Lag.WithLabels(l).Value);
        // Stored lag (what the loop has handled), not committed lag; unknown (-1), unfetched and internal partitions are left out.
        Assert.Equal(new Dictionary<string, double> { ["minemeld.g.m/0"] = 20, ["minemeld.g.n/3"] = 0 }, series);

        ConsumerLag.Forget(group, [new TopicPartition("minemeld.g.m", 0)]);
        Assert.Equal(["minemeld.g.n/3"], ConsumerLag.Lag.GetAllLabelValues().Where(l => l[0] == group).Select(static l => $"{l[2]}/{l[3]}"));
    }

    [Fact]
    public void ADocumentArrivingAfterARevocationDoesNotBringItsPartitionsBack()
    {
        var group = $"unit-{Guid.NewGuid():N}";
        ConsumerLag.Report(group, Statistics, [new TopicPartition("minemeld.g.n", 3)]);
        Assert.Equal(["minemeld.g.n/3"], ConsumerLag.Lag.GetAllLabelValues().Where(l => l[0] == group).Select(static l => $"{l[2]}/{l[3]}"));

        ConsumerLag.Forget(group, [new TopicPartition("minemeld.g.n", 3)]);
        ConsumerLag.Report(group, Statistics, []);
        Assert.DoesNotContain(ConsumerLag.Lag.GetAllLabelValues(), l => l[0] == group);
    }

    [Fact]
    public void DocumentsWithoutTopicsChangeNothing()
    {
        var group = $"unit-{Guid.NewGuid():N}";
        ConsumerLag.Report(group, """{"name":"p","type":"producer"}""");
        ConsumerLag.Report(group, """{"topics":{"t":{"partitions":[]}}}""");
        Assert.DoesNotContain(ConsumerLag.Lag.GetAllLabelValues(), l => l[0] == group);
    }
}
