namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>The role of a node class: miners poll or hold lists, processors aggregate, outputs hold feeds.</summary>
public enum NodeKind
{
    Miner,
    Processor,
    Output,
}
