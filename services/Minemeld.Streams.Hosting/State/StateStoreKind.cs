namespace Minemeld.Streams.Hosting.State;

/// <summary>Which state store a process uses (<c>State:Store</c>).</summary>
public enum StateStoreKind
{
    /// <summary>Redis (<c>Redis:Configuration</c>): what every multi-process deployment needs.</summary>
    Redis,

    /// <summary>In this process only, lost at exit: <c>minemeld run</c>'s default.</summary>
    Memory,
}
