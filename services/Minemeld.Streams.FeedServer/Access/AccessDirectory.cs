using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Resolves callers and answers MineMeld's feed check (docs/feed-api.md, "Endpoints and behaviour": access). Users and
/// feed tags are read from the store at most every <see cref="FeedServerOptions.AccessRefreshSeconds"/> (and at once
/// after a local change); a verified password is remembered as an HMAC under a per-process key for
/// <see cref="FeedServerOptions.CredentialCacheSeconds"/>, bound to the stored hash, so a firewall polling every minute
/// costs one PBKDF2 per cache period and a password change takes effect at the next refresh.
/// </summary>
public sealed partial class AccessDirectory(
    IAccessStore store,
    bool feedsAuthEnabled,
    IOptions<FeedServerOptions> options,
    TimeProvider time,
    ILogger<AccessDirectory> logger) : IDisposable
{
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<(UserKind, string), Verified> _verified = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessSnapshot? _snapshot;
    private long _loadedAt;
    private long _staleUntil;

    public bool FeedsAuthEnabled => feedsAuthEnabled;

    /// <summary>The admin bearer token, when one is configured (compared as SHA-256 digests, constant time).</summary>
    public byte[]? AdminTokenDigest { get; init; }

    public async Task<AccessSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var age = time.GetElapsedTime(Interlocked.Read(ref _loadedAt));
        if (snapshot is not null && (age.TotalSeconds < options.Value.AccessRefreshSeconds || time.GetTimestamp() < Interlocked.Read(ref _staleUntil)))
        {
            return snapshot;
        }

        // One caller reloads; the others keep the previous users meanwhile instead of queueing behind a slow Redis.
        if (snapshot is not null && !_refresh.Wait(0, CancellationToken.None))
        {
            return snapshot;
        }

        if (snapshot is null)
        {
            await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (_snapshot is not null && time.GetElapsedTime(Interlocked.Read(ref _loadedAt)).TotalSeconds < options.Value.AccessRefreshSeconds)
            {
                return _snapshot;
            }

            _snapshot = await store.LoadAsync(cancellationToken)
                .Within(TimeSpan.FromMilliseconds(options.Value.BackendTimeoutMs), time, "for feed users and tags", cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _loadedAt, time.GetTimestamp());
            return _snapshot;
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex) && options.Value.ServeStaleOnBackendFault && _snapshot is { } last)
        {
            // Stale serving is on: the users known before Redis stopped answering still decide who reads what, and
            // Redis is asked again a second later, not by every request (each would wait out the deadline).
            LogStaleUsers(logger, ex);
            Interlocked.Exchange(ref _staleUntil, time.GetTimestamp() + time.TimestampFrequency);
            return last;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>Forgets the cached users and tags (after a change through the API).</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>
    /// The caller of a feed route: no Authorization → anonymous; Basic credentials checked against feed users
    /// first, then admins, as MineMeld did; anything that does not verify → <see cref="Identity.BadCredentials"/>.
    /// </summary>
    public async Task<Identity> ResolveAsync(string? authorization, bool adminsOnly, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return Identity.Anonymous;
        }

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[7..].Trim()));
            return AdminTokenDigest is { } expected && CryptographicOperations.FixedTimeEquals(expected, digest)
                ? new Identity(IdentityKind.Admin, "token", [])
                : Identity.BadCredentials;
        }

        if (!TryParseBasic(authorization, out var name, out var password))
        {
            return Identity.BadCredentials;
        }

        var snapshot = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (!adminsOnly && await VerifyAsync(snapshot, UserKind.Feeds, name, password, cancellationToken).ConfigureAwait(false) is { } feedUser)
        {
            return new Identity(IdentityKind.FeedUser, name, feedUser.Tags);
        }

        if (await VerifyAsync(snapshot, UserKind.Api, name, password, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new Identity(IdentityKind.Admin, name, []);
        }

        return Identity.BadCredentials;
    }

    /// <summary>MineMeld's <c>check_feed</c>: may this caller read this feed?</summary>
    public async Task<bool> CanReadFeedAsync(Identity identity, string feed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.Kind == IdentityKind.Rejected)
        {
            return false;
        }

        if (!feedsAuthEnabled || identity.Kind == IdentityKind.Admin)
        {
            return true;
        }

        var snapshot = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (!snapshot.Feeds.TryGetValue(feed, out var attributes))
        {
            return false;
        }

        var tags = AccessSnapshot.TagsOf(attributes);
        if (identity.Kind == IdentityKind.Anonymous)
        {
            return tags.Contains(Core.Access.AccessConfig.AnonymousTag, StringComparer.Ordinal);
        }

        return tags.Contains(Core.Access.AccessConfig.AnyTag, StringComparer.Ordinal) || tags.Intersect(identity.Tags, StringComparer.Ordinal).Any();
    }

    internal static bool TryParseBasic(string authorization, out string name, out string password)
    {
        name = password = string.Empty;
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            name = decoded[..colon];
            password = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task<UserRecord?> VerifyAsync(AccessSnapshot snapshot, UserKind kind, string name, string password, CancellationToken cancellationToken)
    {
        var digest = HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(password));
        if (!snapshot.Users(kind).TryGetValue(name, out var user))
        {
            _ = PasswordHashes.Verify(PasswordHashes.Dummy, password); // unknown users cost what known ones do
            return null;
        }

        if (_verified.TryGetValue((kind, name), out var cached) &&
            cached.Hash == user.Hash &&
            time.GetUtcNow() < cached.Until &&
            CryptographicOperations.FixedTimeEquals(cached.Digest, digest))
        {
            return user;
        }

        var check = PasswordHashes.Verify(user.Hash, password);
        if (check == PasswordCheck.Invalid)
        {
            return null;
        }

        var hash = user.Hash;
        if (check == PasswordCheck.ValidNeedsRehash)
        {
            var fresh = PasswordHashes.Hash(password);
            if (await store.ReplaceHashAsync(kind, name, user.Hash, fresh, cancellationToken).ConfigureAwait(false))
            {
                LogRehashed(logger, kind, name);
                hash = fresh;
                Invalidate();
            }
        }

        _verified[(kind, name)] = new Verified(digest, hash, time.GetUtcNow().AddSeconds(options.Value.CredentialCacheSeconds));
        return user;
    }

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Redis did not answer for feed users and tags; the ones read before are used (FeedServer:ServeStaleOnBackendFault)")]
    private static partial void LogStaleUsers(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Replaced the imported password hash of {Kind} user {User} with PBKDF2")]
    private static partial void LogRehashed(ILogger logger, UserKind kind, string user);

    private sealed record Verified(byte[] Digest, string Hash, DateTimeOffset Until);
}
