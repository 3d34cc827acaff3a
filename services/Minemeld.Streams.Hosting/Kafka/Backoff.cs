namespace Minemeld.Streams.Hosting.Kafka;

/// <summary>
/// The delay before a consume loop, or a quarantined node, tries again: 200 ms, doubled after each failure, at most
/// 30 s; back to 200 ms once a try succeeded.
/// </summary>
internal sealed class Backoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    public TimeSpan Current { get; private set; } = First;

    public void Grow() => Current = TimeSpan.FromTicks(Math.Min(Max.Ticks, Current.Ticks * 2));

    public void Reset() => Current = First;
}
