namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A feed entry in the order of its last change: the indicator, its score (the time of that change for feeds scored by
/// <c>last_seen</c>, the default), its stored value (null when the feed keeps none, or it was withdrawn), and whether
/// it was withdrawn (then the score is when).
/// </summary>
public readonly record struct AddedFeedEntry(string Indicator, double Score, string? Value, bool Withdrawn);

/// <summary>
/// Where a read in change order resumes: after every entry scored at most <see cref="Score"/> (no member), or strictly
/// after (score, member).
/// </summary>
public readonly record struct FeedPosition(double Score, string? Member)
{
    public static readonly FeedPosition Start = new(double.NegativeInfinity, null);
}

/// <summary>One page of a read in change order; <see cref="More"/> when entries follow it.</summary>
public sealed record AddedFeedPage(IReadOnlyList<AddedFeedEntry> Entries, bool More);
