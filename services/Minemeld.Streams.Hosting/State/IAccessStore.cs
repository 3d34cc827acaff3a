using System.Text.Json.Nodes;

namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Feed users, admin users and feed attributes (MineMeld's htpasswd files and FEEDS_ATTRS) in the state store.
/// </summary>
public interface IAccessStore
{
    Task<AccessSnapshot> LoadAsync(CancellationToken cancellationToken);

    Task SetUserAsync(UserKind kind, string name, UserRecord user, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the hash only if it is still <paramref name="expectedHash"/> (a rehash must not undo a password
    /// change).
    /// </summary>
    Task<bool> ReplaceHashAsync(UserKind kind, string name, string expectedHash, string newHash, CancellationToken cancellationToken);

    Task<bool> DeleteUserAsync(UserKind kind, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a user unless it is the last of its kind, in one step, so two concurrent deletions of the last two
    /// admins cannot both succeed.
    /// </summary>
    Task<UserDeletion> DeleteUserUnlessLastAsync(UserKind kind, string name, CancellationToken cancellationToken);

    Task SetFeedAsync(string feed, JsonObject attributes, CancellationToken cancellationToken);

    Task<bool> DeleteFeedAsync(string feed, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IAccessStore.DeleteUserUnlessLastAsync"/> did.</summary>
public enum UserDeletion
{
    Deleted,
    NotFound,
    LastOne,
}
