using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>MineMeld's <c>/aaa</c> routes (docs/feed-api.md): feed users, admin users, feed tags.</summary>
public static partial class AaaEndpoints
{
    [GeneratedRegex("^[a-zA-Z0-9_.@-]{1,64}$")]
    private static partial Regex UserName();

    public static IEndpointRouteBuilder MapAaaEndpoints(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/aaa").AddEndpointFilter(new AdminEndpointFilter("aaa", write: false));
        read.MapGet("/users/current", Current);
        read.MapGet("/users/{subsystem}", ListUsersAsync);
        read.MapGet("/feeds", ListFeedsAsync);
        read.MapGet("/tags", TagsAsync);

        var write = app.MapGroup("/aaa").AddEndpointFilter(new AdminEndpointFilter("aaa", write: true));
        write.MapPut("/users/{subsystem}/{user}", SetPasswordAsync);
        write.MapPost("/users/{subsystem}/{user}/attributes", SetUserAttributesAsync);
        write.MapDelete("/users/{subsystem}/{user}", DeleteUserAsync);
        write.MapMethods("/feeds/{feed}/attributes", ["PUT", "POST"], SetFeedAttributesAsync);
        write.MapDelete("/feeds/{feed}", DeleteFeedAsync);
        return app;
    }

    private static IResult Current(HttpContext http) =>
        MineMeldResults.Ok(new JsonObject
        {
            ["id"] = (http.Items[AdminEndpointFilter.IdentityItem] as Identity)?.Id,
            ["read_write"] = true,
        });

    private static async Task<IResult> ListUsersAsync(string subsystem, AccessDirectory access, CancellationToken cancellationToken)
    {
        if (!TryKind(subsystem, out var kind))
        {
            return MineMeldResults.BareError(StatusCodes.Status400BadRequest, "Invalid subsystem");
        }

        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var users = new JsonObject();
        foreach (var (name, user) in snapshot.Users(kind).OrderBy(static u => u.Key, StringComparer.Ordinal))
        {
            var attributes = (JsonObject)user.Attributes.DeepClone();
            attributes.Remove("imported");
            users[name] = attributes;
        }

        return MineMeldResults.Ok(new JsonObject { ["enabled"] = kind == UserKind.Api || access.FeedsAuthEnabled, ["users"] = users });
    }

    private static async Task<IResult> ListFeedsAsync(AccessDirectory access, CancellationToken cancellationToken)
    {
        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var feeds = new JsonObject();
        foreach (var (feed, attributes) in snapshot.Feeds.OrderBy(static f => f.Key, StringComparer.Ordinal))
        {
            feeds[feed] = attributes.DeepClone();
        }

        return MineMeldResults.Ok(new JsonObject { ["enabled"] = access.FeedsAuthEnabled, ["feeds"] = feeds });
    }

    private static async Task<IResult> TagsAsync(AccessDirectory access, CancellationToken cancellationToken)
    {
        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var tags = snapshot.FeedUsers.Values.SelectMany(static u => u.Tags)
            .Concat(snapshot.Feeds.Values.SelectMany(static f => AccessSnapshot.TagsOf(f)))
            .Where(static t => t is not (AccessConfig.AnyTag or AccessConfig.AnonymousTag))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return MineMeldResults.Ok(new JsonArray([.. tags.Select(static t => JsonValue.Create(t))]));
    }

    private static async Task<IResult> SetPasswordAsync(string subsystem, string user, HttpRequest request, AccessDirectory access, IAccessStore store, CancellationToken cancellationToken)
    {
        if (!TryKind(subsystem, out var kind))
        {
            return MineMeldResults.BareError(StatusCodes.Status400BadRequest, "Invalid subsystem");
        }

        if (!UserName().IsMatch(user))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "invalid user name (1-64 letters, digits, '.', '_', '@', '-')");
        }

        if (await MineMeldResults.ReadJsonAsync(request).ConfigureAwait(false) is not JsonObject body ||
            body["password"] is not JsonValue value || !value.TryGetValue<string>(out var password) || password.Length == 0)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "the body must be {\"password\": \"<non-empty string>\"}");
        }

        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var attributes = snapshot.Users(kind).TryGetValue(user, out var existing) ? (JsonObject)existing.Attributes.DeepClone() : [];
        attributes.Remove("imported");
        await store.SetUserAsync(kind, user, new UserRecord(PasswordHashes.Hash(password), attributes, "api"), cancellationToken).ConfigureAwait(false);
        access.Invalidate();
        return MineMeldResults.Ok("ok");
    }

    private static async Task<IResult> SetUserAttributesAsync(string subsystem, string user, HttpRequest request, AccessDirectory access, IAccessStore store, CancellationToken cancellationToken)
    {
        if (!TryKind(subsystem, out var kind))
        {
            return MineMeldResults.BareError(StatusCodes.Status400BadRequest, "Invalid subsystem");
        }

        var snapshot = await access.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (!snapshot.Users(kind).TryGetValue(user, out var existing))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, $"Unknown user {user}");
        }

        if (await MineMeldResults.ReadJsonAsync(request).ConfigureAwait(false) is not JsonObject attributes || !TagsAreStrings(attributes))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "the body must be a JSON object; tags, when present, a list of strings");
        }

        await store.SetUserAsync(kind, user, existing with { Attributes = attributes, Origin = "api" }, cancellationToken).ConfigureAwait(false);
        access.Invalidate();
        return MineMeldResults.Ok("ok");
    }

    private static async Task<IResult> DeleteUserAsync(string subsystem, string user, AccessDirectory access, IAccessStore store, CancellationToken cancellationToken)
    {
        if (!TryKind(subsystem, out var kind))
        {
            return MineMeldResults.BareError(StatusCodes.Status400BadRequest, "Invalid subsystem");
        }

        // Feed users may all go (feeds then answer 401 to everyone); the last admin may not, or nobody could
        // administer the graph again without editing Redis by hand. Change its password instead.
        var outcome = kind == UserKind.Api
            ? await store.DeleteUserUnlessLastAsync(kind, user, cancellationToken).ConfigureAwait(false)
            : await store.DeleteUserAsync(kind, user, cancellationToken).ConfigureAwait(false) ? UserDeletion.Deleted : UserDeletion.NotFound;
        access.Invalidate();
        return outcome switch
        {
            UserDeletion.Deleted => MineMeldResults.Ok("ok"),
            UserDeletion.LastOne => MineMeldResults.Error(StatusCodes.Status409Conflict, $"{user} is the last admin user and cannot be deleted; set a new password instead"),
            _ => MineMeldResults.Error(StatusCodes.Status404NotFound, $"Unknown user {user}"),
        };
    }

    private static async Task<IResult> SetFeedAttributesAsync(string feed, HttpRequest request, NodeGraph graph, AccessDirectory access, IAccessStore store, CancellationToken cancellationToken)
    {
        if (!graph.TryGetNode(feed, out var node) || node.Class.Name != NodeClassRegistry.RedisSet)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, $"{feed} is not a feed output of graph {graph.Name}");
        }

        if (await MineMeldResults.ReadJsonAsync(request).ConfigureAwait(false) is not JsonObject attributes || !TagsAreStrings(attributes))
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "the body must be a JSON object such as {\"tags\": [\"gold\"]}");
        }

        attributes["origin"] = "api";
        await store.SetFeedAsync(feed, attributes, cancellationToken).ConfigureAwait(false);
        access.Invalidate();
        return MineMeldResults.Ok("ok");
    }

    private static async Task<IResult> DeleteFeedAsync(string feed, AccessDirectory access, IAccessStore store, CancellationToken cancellationToken)
    {
        await store.DeleteFeedAsync(feed, cancellationToken).ConfigureAwait(false);
        access.Invalidate();
        return MineMeldResults.Ok("ok");
    }

    private static bool TagsAreStrings(JsonObject attributes) =>
        attributes["tags"] is null || (attributes["tags"] is JsonArray tags && tags.All(static t => t is JsonValue v && v.TryGetValue<string>(out _)));

    private static bool TryKind(string subsystem, out UserKind kind)
    {
        (var ok, kind) = subsystem switch
        {
            "feeds" => (true, UserKind.Feeds),
            "api" => (true, UserKind.Api),
            _ => (false, UserKind.Feeds),
        };
        return ok;
    }
}
