using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Lists;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.WebConsole;

/// <summary>
/// The web console under <c>/ui/</c>: pages for admins only (a login form that opens a session, or the browser's own
/// Basic prompt at <c>/ui/basic</c>), its files, and the few read calls the admin API lacks (<c>/ui/api/…</c>). The
/// console writes through the admin API itself (<c>/lists</c>, <c>/aaa</c>, <c>/status/…/hup</c>), where a session's
/// writes must carry its CSRF token. Every <c>/ui</c> response carries a Content Security Policy that allows only
/// this server's own scripts and styles (no inline script) and no framing; the admin remote-access rule applies.
/// </summary>
public static partial class ConsoleEndpoints
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly PathString Root = "/ui";

    public static WebApplication MapConsoleEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(Root))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers.CacheControl = "no-store";
                if (context.Request.Path.Value == "/ui")
                {
                    // One address for the console's root, so relative links and the session cookie's pages agree.
                    context.Response.Redirect("/ui/");
                    return Task.CompletedTask;
                }
            }

            return next(context);
        });

        var pages = app.MapGroup("/ui").AddEndpointFilter(static async (context, next) =>
            AdminEndpointFilter.RefuseRemote(context.HttpContext, context.HttpContext.RequestServices.GetRequiredService<IOptions<FeedServerOptions>>().Value)
                ?? await next(context).ConfigureAwait(false));
        pages.MapGet("/", IndexAsync);
        pages.MapGet("/login", static (ConsoleAssets assets) => LoginPage(assets, StatusCodes.Status200OK, null));
        pages.MapPost("/login", LoginAsync).DisableAntiforgery();
        pages.MapGet("/basic", BasicAsync);
        pages.MapGet("/assets/{**file}", Asset);

        var api = app.MapGroup("/ui/api").AddEndpointFilter(new AdminEndpointFilter("console", write: false, challenge: false));
        api.MapGet("/session", Session);
        api.MapGet("/graph", static (NodeGraph graph, LocalListCatalog lists) => Results.Text(ConsoleViews.Graph(graph, lists).ToJsonString(), "application/json"));
        api.MapGet("/nodes/{node}", Node);
        api.MapGet("/feeds/{feed}/indicators", IndicatorsAsync);
        api.MapGet("/access", AccessAsync);
        app.MapGroup("/ui/api").AddEndpointFilter(new AdminEndpointFilter("console", write: true, challenge: false)).MapPost("/logout", LogoutAsync);
        return app;
    }

    private static async Task<IResult> IndexAsync(HttpContext http, ConsoleAssets assets)
    {
        var identity = await CallerAsync(http).ConfigureAwait(false);
        return identity.Kind switch
        {
            IdentityKind.Admin => Results.Bytes(assets.All["index.html"].Bytes, "text/html; charset=utf-8"),
            IdentityKind.FeedUser => LoginPage(assets, StatusCodes.Status403Forbidden, $"{identity.Name} is a feed user; the console is for admin users."),
            IdentityKind.Rejected => LoginPage(assets, StatusCodes.Status401Unauthorized, "Wrong user name or password."),
            _ => LoginPage(assets, StatusCodes.Status401Unauthorized, null),
        };
    }

    /// <summary>The login form's post: an admin's password opens a session (cookie) and goes to the console.</summary>
    private static async Task<IResult> LoginAsync(HttpContext http, ConsoleAssets assets, AccessDirectory access, ConsoleSessions sessions, ILoggerFactory loggers)
    {
        if (AdminEndpointFilter.CrossSite(http.Request) is { } why)
        {
            return LoginPage(assets, StatusCodes.Status403Forbidden, $"Refused: {why}.");
        }

        if (!http.Request.HasFormContentType)
        {
            return LoginPage(assets, StatusCodes.Status400BadRequest, "Expected the login form.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var user = form["user"].ToString();
        var password = form["password"].ToString();
        var audit = loggers.CreateLogger("Minemeld.Streams.FeedServer.Audit");
        if (user.Length == 0 || password.Length == 0 || user.Contains(':', StringComparison.Ordinal))
        {
            return LoginPage(assets, StatusCodes.Status401Unauthorized, "Wrong user name or password.");
        }

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        var identity = await access.ResolveAsync(basic, adminsOnly: false, http.RequestAborted).ConfigureAwait(false);
        if (identity.Kind != IdentityKind.Admin)
        {
            LogLoginRefused(audit, user);
            return identity.Kind == IdentityKind.FeedUser
                ? LoginPage(assets, StatusCodes.Status403Forbidden, $"{user} is a feed user; the console is for admin users.")
                : LoginPage(assets, StatusCodes.Status401Unauthorized, "Wrong user name or password.");
        }

        var (token, _) = await sessions.OpenAsync(identity.Name, http.RequestAborted).ConfigureAwait(false);
        http.Response.Cookies.Append(ConsoleSessions.CookieName, token, ConsoleSessions.CookieOptions(http.Request));
        LogLogin(audit, identity.Id);
        return Results.Redirect("/ui/", permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, ConsoleSessions sessions)
    {
        if (ConsoleSessions.Token(http.Request) is { } token)
        {
            await sessions.CloseAsync(token).ConfigureAwait(false);
        }

        http.Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.CookieOptions(http.Request));
        return Results.NoContent();
    }

    /// <summary>
    /// The browser's own Basic prompt, for those who prefer it (or a password manager that fills it).
    /// </summary>
    private static async Task<IResult> BasicAsync(HttpContext http, ConsoleAssets assets, AccessDirectory access)
    {
        var identity = await access.ResolveAsync(http.Request.Headers.Authorization, adminsOnly: false, http.RequestAborted).ConfigureAwait(false);
        switch (identity.Kind)
        {
            case IdentityKind.Admin:
                return Results.Redirect("/ui/");
            case IdentityKind.FeedUser:
                return LoginPage(assets, StatusCodes.Status403Forbidden, $"{identity.Name} is a feed user; the console is for admin users.");
            default:
                http.Response.Headers.WWWAuthenticate = Feeds.FeedResponder.Realm;
                return LoginPage(assets, StatusCodes.Status401Unauthorized, identity.Kind == IdentityKind.Rejected ? "Wrong user name or password." : null);
        }
    }

    private static IResult Asset(string file, HttpContext http, ConsoleAssets assets)
    {
        if (file == "index.html" || !assets.TryGet(file, out var asset))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        return http.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static IResult Session(HttpContext http, NodeGraph graph, IStateStore store, AccessDirectory access)
    {
        var identity = (Identity)http.Items[AdminEndpointFilter.IdentityItem]!;
        var session = http.Items[ConsoleSessionItem] as ConsoleSession;
        return Results.Text(new JsonObject
        {
            ["user"] = identity.Id,
            ["via"] = session is not null ? "session" : http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? "token" : "basic",
            ["csrf"] = session?.CsrfToken,
            ["graph"] = graph.Name,
            ["nodes"] = graph.Nodes.Count,
            ["state"] = store.Description,
            ["feeds_auth"] = access.FeedsAuthEnabled,
            ["version"] = typeof(ConsoleEndpoints).Assembly.GetName().Version?.ToString(),
        }.ToJsonString(), "application/json");
    }

    /// <summary>Where <see cref="AdminEndpointFilter"/> leaves the console session a request came with.</summary>
    public const string ConsoleSessionItem = "minemeld.console-session";

    private static IResult Node(string node, HttpContext http, NodeGraph graph, PrototypeLibrary prototypes, LocalListCatalog lists, NodeStatusHistory history)
    {
        return graph.TryGetNode(node, out var graphNode)
            ? Results.Text(ConsoleViews.Node(graph, graphNode, prototypes, lists, history.Of(node), $"{http.Request.Scheme}://{http.Request.Host}").ToJsonString(), "application/json")
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown node", detail: $"{node} is not a node of graph {graph.Name}");
    }

    private static async Task<IResult> IndicatorsAsync(string feed, HttpContext http, NodeGraph graph, IFeedReadStore feeds, CancellationToken cancellationToken)
    {
        if (!graph.TryGetNode(feed, out var node) || node.Class.Name != NodeClassRegistry.RedisSet)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown feed", detail: $"{feed} is not a feed output of graph {graph.Name}");
        }

        var query = http.Request.Query;
        var search = query["q"].ToString().Trim();
        var offset = long.TryParse(query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 1000) : 100;
        try
        {
            return Results.Text((await ConsoleViews.IndicatorsAsync(feeds, feed, search, offset, limit, cancellationToken).ConfigureAwait(false)).ToJsonString(), "application/json");
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex))
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "State store unavailable", detail: ex.Message);
        }
    }

    private static async Task<IResult> AccessAsync(NodeGraph graph, AccessDirectory access, CancellationToken cancellationToken) =>
        Results.Text((await ConsoleViews.AccessMatrixAsync(graph, access, cancellationToken).ConfigureAwait(false)).ToJsonString(), "application/json");

    /// <summary>
    /// Who opened a page: Basic credentials (feed users recognised, to be told the console is not theirs), else the
    /// session cookie.
    /// </summary>
    private static async Task<Identity> CallerAsync(HttpContext http)
    {
        var services = http.RequestServices;
        if (http.Request.Headers.Authorization.Count > 0)
        {
            return await services.GetRequiredService<AccessDirectory>().ResolveAsync(http.Request.Headers.Authorization, adminsOnly: false, http.RequestAborted).ConfigureAwait(false);
        }

        return ConsoleSessions.Token(http.Request) is { } token &&
            await services.GetRequiredService<ConsoleSessions>().ResolveAsync(token, http.RequestAborted).ConfigureAwait(false) is { } session
            ? session.Identity
            : Identity.Anonymous;
    }

    private static IResult LoginPage(ConsoleAssets assets, int status, string? message)
    {
        var html = assets.Text("login.html").Replace(
            "<!--message-->",
            message is null ? string.Empty : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>",
            StringComparison.Ordinal);
        return Results.Text(html, "text/html; charset=utf-8", statusCode: status);
    }

    [LoggerMessage(EventId = 741, Level = LogLevel.Information, Message = "AUDIT user={User} action=\"console login\"")]
    private static partial void LogLogin(ILogger logger, string user);

    [LoggerMessage(EventId = 742, Level = LogLevel.Warning, Message = "AUDIT console login refused for {User}")]
    private static partial void LogLoginRefused(ILogger logger, string user);
}
