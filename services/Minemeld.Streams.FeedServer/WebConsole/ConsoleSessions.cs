using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.WebConsole;

/// <summary>One console login: the admin, and the token its state-changing calls must carry (CSRF).</summary>
public sealed record ConsoleSession(string User, string CsrfToken)
{
    public Identity Identity { get; } = new(IdentityKind.Admin, User, []);

    /// <summary>Whether a request's <c>X-CSRF-Token</c> is this session's, compared in constant time.</summary>
    public bool Accepts(string? csrfToken) =>
        csrfToken is { Length: > 0 } &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(csrfToken), Encoding.UTF8.GetBytes(CsrfToken));
}

/// <summary>
/// The console's login sessions, kept in the state store so every feed server behind a load balancer knows them. The
/// cookie holds a random 256-bit token; the store holds only its SHA-256 (a copy of Redis logs nobody in). A session
/// lasts <see cref="Lifetime"/> and ends early when its admin is deleted or its password changes (the store keeps a
/// stamp of the password hash it was opened with), or at logout.
/// </summary>
public sealed class ConsoleSessions(IStateStore store, NodeGraph graph, AccessDirectory access, TimeProvider time)
{
    /// <summary>The session cookie: HttpOnly, SameSite=Strict, scoped to the server.</summary>
    public const string CookieName = "mm-console";

    /// <summary>The header the console's state-changing calls carry the session's CSRF token in.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private IRecordStore Records => store.ConsoleSessions(graph.Name);

    /// <summary>The session token a request carries in its cookie; null without one.</summary>
    public static string? Token(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Cookies.TryGetValue(CookieName, out var token) && token is { Length: > 0 and <= 128 } ? token : null;
    }

    /// <summary>
    /// Opens a session for an admin who just proved its password; returns the cookie's token and the session.
    /// </summary>
    public async Task<(string Token, ConsoleSession Session)> OpenAsync(string user, CancellationToken cancellationToken)
    {
        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (!snapshot.AdminUsers.TryGetValue(user, out var record))
        {
            throw new InvalidOperationException($"{user} is not an admin user");
        }

        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var session = new ConsoleSession(user, System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var value = new JsonObject
        {
            ["user"] = user,
            ["csrf"] = session.CsrfToken,
            ["expires"] = now + (long)Lifetime.TotalMilliseconds,
            ["password"] = Stamp(record.Hash),
        };

        // Sessions nobody logged out of are swept here, so the set stays as small as the logins of the last day.
        var expired = (await Records.GetAllAsync(cancellationToken).ConfigureAwait(false))
            .Where(r => Expires(r.Value) <= now)
            .ToList();
        await Records.WriteAsync([KeyValuePair.Create(Key(token), (ReadOnlyMemory<byte>)JsonText.ToUtf8Bytes(value))], [.. expired.Select(static r => r.Key)], cancellationToken).ConfigureAwait(false);
        return (token, session);
    }

    /// <summary>
    /// The live session of a token; null when it is unknown, expired, or its admin is gone or changed password.
    /// </summary>
    public async Task<ConsoleSession?> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if ((await Records.GetAsync([Key(token)], cancellationToken).ConfigureAwait(false))[0] is not { } json ||
            JsonObjectReader.ParseObject(json) is not { } value ||
            !JsonNodeValues.TryGetString(value["user"], out var user) ||
            !JsonNodeValues.TryGetString(value["csrf"], out var csrf) ||
            !JsonNodeValues.TryGetInt64(value["expires"], out var expires) ||
            expires <= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }

        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.AdminUsers.TryGetValue(user, out var record) &&
            JsonNodeValues.TryGetString(value["password"], out var stamp) &&
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stamp), Encoding.ASCII.GetBytes(Stamp(record.Hash)))
            ? new ConsoleSession(user, csrf)
            : null;
    }

    public Task CloseAsync(string token) => Records.DeleteAsync([Key(token)], CancellationToken.None);

    /// <summary>The cookie's settings: script cannot read it, no other site's request carries it.</summary>
    public static CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request?.IsHttps ?? false,
        Path = "/",
        MaxAge = Lifetime,
        IsEssential = true,
    };

    private static string Key(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Stamp(string passwordHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)))[..32];

    private static long Expires(ReadOnlyMemory<byte> json) =>
        JsonObjectReader.ParseObject(json.Span) is { } value && JsonNodeValues.TryGetInt64(value["expires"], out var expires) ? expires : 0;

}
