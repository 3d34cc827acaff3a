using Minemeld.Streams.Core.Aggregation;

namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The partition every message on a graph topic goes to, the same in every process. An IP indicator that lies in one
/// address block (IPv4 /8, IPv6 /24: <see cref="AddressBlocks"/>) goes to partition <c>block number mod partitions</c>,
/// on edge and repartition topics alike; any other key by a 32-bit xxHash of its UTF-8 bytes. So a range aggregator
/// reading an edge finds an address on the partition number its block has on its own repartition topic, and applies it
/// without a second hop (<see cref="Nodes.Processors.InputRouter"/>). An indicator's messages always share one
/// partition (its order holds for SIEMs reading the edge); the key stays the indicator.
/// </summary>
public static class EdgePartitioner
{
    /// <summary>
    /// The partition of a message keyed by <paramref name="key"/> (an indicator) on a topic of
    /// <paramref name="partitions"/>.
    /// </summary>
    public static int ForKey(string key, int partitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (AddressBlocks.SingleBlock(key) is { } block)
        {
            return (int)(block % (uint)partitions);
        }

        return (int)(Utf8XxHash.Of(key) % (uint)partitions);
    }

    /// <summary>
    /// The partition of an address block's key (<c>4.10</c>): where every indicator inside that block goes.
    /// </summary>
    public static int ForBlock(string block, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(AddressBlocks.Number(block) % (uint)partitions);
    }
}
