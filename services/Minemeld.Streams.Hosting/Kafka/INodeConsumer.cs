namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>How one consumed node of this process is doing, for status, readiness and benchmarks.</summary>
public interface INodeConsumer
{
    string Node { get; }

    /// <summary>Set while the node is stopped or failing (it is retried alone); null when it is healthy.</summary>
    string? FatalError { get; }

    /// <summary>Whether the node's consumer has joined its group and been given partitions.</summary>
    bool HasAssignment { get; }
}
