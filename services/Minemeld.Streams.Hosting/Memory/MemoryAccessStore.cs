using System.Text.Json.Nodes;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Hosting.Memory;

/// <summary>
/// Users and feed attributes in memory; attributes are copied in and out, so callers never share them.
/// </summary>
internal sealed class MemoryAccessStore : IAccessStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UserRecord> _feedUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UserRecord> _adminUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _feeds = new(StringComparer.Ordinal);

    public Task<AccessSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(new AccessSnapshot(
                _feedUsers.ToDictionary(static u => u.Key, static u => Copy(u.Value), StringComparer.Ordinal),
                _adminUsers.ToDictionary(static u => u.Key, static u => Copy(u.Value), StringComparer.Ordinal),
                _feeds.ToDictionary(static f => f.Key, static f => (JsonObject)f.Value.DeepClone(), StringComparer.Ordinal)));
        }
    }

    public Task SetUserAsync(UserKind kind, string name, UserRecord user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_gate)
        {
            Users(kind)[name] = Copy(user);
        }

        return Task.CompletedTask;
    }

    public Task<bool> ReplaceHashAsync(UserKind kind, string name, string expectedHash, string newHash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var users = Users(kind);
            if (!users.TryGetValue(name, out var user) || user.Hash != expectedHash)
            {
                return Task.FromResult(false);
            }

            users[name] = user with { Hash = newHash };
            return Task.FromResult(true);
        }
    }

    public Task<bool> DeleteUserAsync(UserKind kind, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(Users(kind).Remove(name));
        }
    }

    public Task<UserDeletion> DeleteUserUnlessLastAsync(UserKind kind, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var users = Users(kind);
            var outcome = !users.ContainsKey(name) ? UserDeletion.NotFound
                : users.Count == 1 ? UserDeletion.LastOne
                : UserDeletion.Deleted;
            if (outcome == UserDeletion.Deleted)
            {
                users.Remove(name);
            }

            return Task.FromResult(outcome);
        }
    }

    public Task SetFeedAsync(string feed, JsonObject attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        lock (_gate)
        {
            _feeds[feed] = (JsonObject)attributes.DeepClone();
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteFeedAsync(string feed, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_feeds.Remove(feed));
        }
    }

    private static UserRecord Copy(UserRecord user) => user with { Attributes = (JsonObject)user.Attributes.DeepClone() };

    private Dictionary<string, UserRecord> Users(UserKind kind) => kind == UserKind.Feeds ? _feedUsers : _adminUsers;
}
