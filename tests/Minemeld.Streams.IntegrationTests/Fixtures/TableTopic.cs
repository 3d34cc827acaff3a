using Confluent.Kafka;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// Reads a table topic as a late reader would: every partition from its start to the end it has now, keeping the last
/// value per key and dropping a key at its tombstone. The oracle of "folding the topic gives the feed".
/// </summary>
internal static class TableTopic
{
    public static Dictionary<string, byte[]> Fold(string bootstrap, string topic, TimeSpan? timeout = null)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        Assert.NotEmpty(partitions);
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = KafkaFixture.UniqueName("fold"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(static p => new TopicPartitionOffset(p, Offset.Beginning)));
        var table = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var done = ends.Where(static e => e.Value == 0).Select(static e => e.Key).ToHashSet();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (done.Count < ends.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{topic}: read {table.Count} keys, partitions {string.Join(',', ends.Keys.Except(done))} not read to their end in time");
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result)
            {
                continue;
            }

            if (!result.IsPartitionEOF)
            {
                if (result.Message.Value is null)
                {
                    table.Remove(result.Message.Key);
                }
                else
                {
                    table[result.Message.Key] = result.Message.Value;
                }
            }

            if (result.Offset.Value + (result.IsPartitionEOF ? 0 : 1) >= ends[result.Partition.Value])
            {
                done.Add(result.Partition.Value);
            }
        }

        consumer.Close();
        return table;
    }
}
