namespace Minemeld.Streams.Hosting.State;

public sealed class StateOptions
{
    public const string SectionName = "State";

    /// <summary><c>Redis</c> (default) or <c>Memory</c> (one process only).</summary>
    public StateStoreKind Store { get; set; } = StateStoreKind.Redis;
}
