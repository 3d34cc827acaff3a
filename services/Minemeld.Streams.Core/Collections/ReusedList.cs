namespace Minemeld.Streams.Core.Collections;

/// <summary>Lists kept for reuse on a hot path (per thread, per instance): emptied after each use.</summary>
internal static class ReusedList
{
    /// <summary>
    /// The room a list shrinks back to when an unusually large use grew it past what is worth keeping.
    /// </summary>
    private const int ShrunkCapacity = 16;

    /// <summary>
    /// Empties <paramref name="list"/>, so nothing it held stays referenced, and gives its room back when it grew past
    /// <paramref name="maxKept"/> (one huge value must not pin a huge array for the life of the thread or instance).
    /// </summary>
    public static void Empty<T>(List<T> list, int maxKept)
    {
        list.Clear();
        if (list.Capacity > maxKept)
        {
            list.Capacity = ShrunkCapacity;
        }
    }
}
