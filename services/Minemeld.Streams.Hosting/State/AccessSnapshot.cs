using System.Text.Json.Nodes;

namespace Minemeld.Streams.Hosting.State;

/// <summary>Users of both kinds and the feed attributes, as read from the store at one moment.</summary>
public sealed record AccessSnapshot(
    IReadOnlyDictionary<string, UserRecord> FeedUsers,
    IReadOnlyDictionary<string, UserRecord> AdminUsers,
    IReadOnlyDictionary<string, JsonObject> Feeds)
{
    public IReadOnlyDictionary<string, UserRecord> Users(UserKind kind) => kind == UserKind.Feeds ? FeedUsers : AdminUsers;

    public static IReadOnlyList<string> TagsOf(JsonObject? attributes) =>
        attributes?["tags"] is JsonArray tags
            ? [.. tags.Select(static t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).Where(static t => t is not null).Select(static t => t!)]
            : [];
}
