using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Access;
using StackExchange.Redis;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Writes the users file's feed users, admin users and feed tags to the access store at start-up (the file wins for
/// what it declares; users and feeds it no longer declares are removed; those created through <c>/aaa</c> stay).
/// Retries until the store answers; <see cref="Seeded"/> feeds readiness.
/// </summary>
public sealed partial class AccessSeeder(AccessConfig? config, IAccessStore store, AccessDirectory directory, ILogger<AccessSeeder> logger) : BackgroundService
{
    public const string FileOrigin = "file";

    private readonly TaskCompletionSource _seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seeded => _seeded.Task;

    /// <summary>
    /// Turns a declared user into a stored one: a given hash as is, an environment variable or clear text hashed now.
    /// </summary>
    public static UserRecord ToRecord(FeedUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        string hash;
        if (user.PasswordHash is { } given)
        {
            hash = PasswordHashes.IsSupported(given)
                ? given
                : throw new InvalidOperationException($"user {user.Name}: password_hash is not a supported hash (ASP.NET Identity v3, $apr1$, $1$, bcrypt or {{SHA}})");
        }
        else if (user.PasswordEnvironmentVariable is { } variable)
        {
            hash = PasswordHashes.Hash(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"user {user.Name}: environment variable {variable} (password_env) is not set"));
        }
        else
        {
            hash = PasswordHashes.Hash(user.ClearTextPassword ?? throw new InvalidOperationException($"user {user.Name} has no password"));
        }

        return new UserRecord(hash, new JsonObject { ["tags"] = new JsonArray([.. user.Tags.Select(static t => JsonValue.Create(t))]) }, FileOrigin);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (config is null)
        {
            _seeded.TrySetResult();
            return;
        }

        // Hash (and fail on a bad users file) before touching the store.
        var feedUsers = config.FeedUsers.ToDictionary(static u => u.Name, ToRecord, StringComparer.Ordinal);
        var adminUsers = config.AdminUsers.ToDictionary(static u => u.Name, ToRecord, StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SeedAsync(feedUsers, adminUsers, stoppingToken).ConfigureAwait(false);
                directory.Invalidate();
                _seeded.TrySetResult();
                LogSeeded(logger, feedUsers.Count, adminUsers.Count, config.FeedTags.Count);
                return;
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                LogRetry(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task SeedAsync(Dictionary<string, UserRecord> feedUsers, Dictionary<string, UserRecord> adminUsers, CancellationToken cancellationToken)
    {
        var current = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (kind, declared) in new[] { (UserKind.Feeds, feedUsers), (UserKind.Api, adminUsers) })
        {
            foreach (var name in current.Users(kind).Where(u => u.Value.Origin == FileOrigin && !declared.ContainsKey(u.Key)).Select(static u => u.Key))
            {
                await store.DeleteUserAsync(kind, name, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (name, user) in declared)
            {
                // An unchanged imported hash that was already replaced by PBKDF2 at a login stays replaced.
                if (current.Users(kind).TryGetValue(name, out var stored) && stored.Origin == FileOrigin && PasswordHashes.IsImported(user.Hash) &&
                    stored.Attributes["imported"]?.GetValue<string>() == user.Hash)
                {
                    await store.SetUserAsync(kind, name, stored with { Attributes = Merge(user.Attributes, user.Hash) }, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await store.SetUserAsync(kind, name, PasswordHashes.IsImported(user.Hash)
                    ? user with { Attributes = Merge(user.Attributes, user.Hash) }
                    : user, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var feed in current.Feeds.Where(f => f.Value["origin"]?.GetValue<string>() == FileOrigin && !config!.FeedTags.ContainsKey(f.Key)).Select(static f => f.Key))
        {
            await store.DeleteFeedAsync(feed, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (feed, tags) in config!.FeedTags)
        {
            await store.SetFeedAsync(feed, new JsonObject { ["tags"] = new JsonArray([.. tags.Select(static t => JsonValue.Create(t))]), ["origin"] = FileOrigin }, cancellationToken).ConfigureAwait(false);
        }
    }

    private static JsonObject Merge(JsonObject attributes, string importedHash)
    {
        var merged = (JsonObject)attributes.DeepClone();
        merged["imported"] = importedHash;
        return merged;
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Users file applied: {FeedUsers} feed users, {Admins} admin users, {Feeds} feed tag entries")]
    private static partial void LogSeeded(ILogger logger, int feedUsers, int admins, int feeds);

    [LoggerMessage(EventId = 711, Level = LogLevel.Warning, Message = "Could not apply the users file to Redis yet; retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception);
}
