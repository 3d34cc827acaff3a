using System.Text.Json.Nodes;

namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// A stored user: password hash, free-form attributes (<c>tags</c> for feed users), and where it came from.
/// </summary>
public sealed record UserRecord(string Hash, JsonObject Attributes, string Origin)
{
    public IReadOnlyList<string> Tags => AccessSnapshot.TagsOf(Attributes);
}
