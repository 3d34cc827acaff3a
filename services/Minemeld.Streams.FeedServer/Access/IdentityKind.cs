namespace Minemeld.Streams.FeedServer.Access;

/// <summary>The kinds of caller the feed server tells apart.</summary>
public enum IdentityKind
{
    Anonymous,
    FeedUser,
    Admin,
    Rejected,
}
