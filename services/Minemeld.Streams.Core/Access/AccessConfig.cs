namespace Minemeld.Streams.Core.Access;

/// <summary>
/// Feed users, admin users and feed tags, declared next to a graph (<c>&lt;graph&gt;.users.yml</c>): MineMeld's
/// <c>FEEDS_ATTRS</c>, <c>FEEDS_USERS_ATTRS</c> and htpasswd stores as one reviewable file.
/// </summary>
public sealed record AccessConfig(
    bool FeedsAuthEnabled,
    IReadOnlyDictionary<string, IReadOnlyList<string>> FeedTags,
    IReadOnlyList<FeedUser> FeedUsers,
    IReadOnlyList<FeedUser> AdminUsers)
{
    /// <summary>Open to everyone, without credentials.</summary>
    public const string AnonymousTag = "anonymous";

    /// <summary>Open to every authenticated feed user.</summary>
    public const string AnyTag = "any";
}
