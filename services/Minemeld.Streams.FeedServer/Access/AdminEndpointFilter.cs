using System.Net;
using Microsoft.Extensions.Options;
using Minemeld.Streams.FeedServer.WebConsole;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Guards the admin API (docs/feed-api.md, "Endpoints and behaviour"): loopback clients only unless
/// <see cref="FeedServerOptions.AdminRemoteAccess"/>, an admin credential (Basic or the bearer token; feed users are
/// refused as MineMeld refused them), and an audit line for every write (who, what, which parameters; never a body or a
/// password). A write that a browser says comes from another site (<c>Sec-Fetch-Site</c> cross-site or same-site, or an
/// <c>Origin</c> other than the server's) is refused before its credentials are looked at: a browser that cached an
/// admin's Basic credentials sends them with any page's request, so a forged form or script must not act with them
/// (CSRF). Scripts and sync tools send neither header and are not affected. The console's login session (a cookie,
/// <see cref="ConsoleSessions"/>) is an admin credential too; its writes must also carry the session's CSRF token in
/// <c>X-CSRF-Token</c>. Without <paramref name="challenge"/> a 401 carries no Basic challenge (the console's own calls:
/// a browser would otherwise prompt over the page).
/// </summary>
public sealed partial class AdminEndpointFilter(string group, bool write, bool challenge = true) : IEndpointFilter
{
    public const string IdentityItem = "minemeld.identity";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<FeedServerOptions>>().Value;
        var status = "500";
        try
        {
            if (RefuseRemote(http, options) is { } remote)
            {
                status = "403";
                return remote;
            }

            if (write && CrossSite(http.Request) is { } why)
            {
                status = "403";
                return Results.Text($"Forbidden: {why}; the admin API takes writes from its own pages and from scripts only\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }

            Identity identity;
            var session = http.Request.Headers.Authorization.Count == 0 ? ConsoleSessions.Token(http.Request) : null;
            try
            {
                if (session is null)
                {
                    identity = await services.GetRequiredService<AccessDirectory>().ResolveAsync(http.Request.Headers.Authorization, adminsOnly: true, http.RequestAborted).ConfigureAwait(false);
                }
                else if (await services.GetRequiredService<ConsoleSessions>().ResolveAsync(session, http.RequestAborted).ConfigureAwait(false) is { } live)
                {
                    identity = write && !live.Accepts(http.Request.Headers[ConsoleSessions.CsrfHeader]) ? Identity.BadCredentials : live.Identity;
                    http.Items[ConsoleEndpoints.ConsoleSessionItem] = live;
                }
                else
                {
                    identity = Identity.Anonymous;
                }
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                status = "503";
                return Results.Text("<html><body>Service unavailable</body></html>", "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            if (session is not null && identity.Kind != IdentityKind.Admin)
            {
                // A console call: no Basic challenge (the browser would prompt over the console's own login page).
                (status, var message) = identity.Kind == IdentityKind.Rejected
                    ? ("403", $"Forbidden: a console session's writes carry its {ConsoleSessions.CsrfHeader} header\n")
                    : ("401", "Unauthorized: the console session has ended; log in again\n");
                return Results.Text(message, "text/plain", statusCode: int.Parse(status, System.Globalization.CultureInfo.InvariantCulture));
            }

            if (identity.Kind != IdentityKind.Admin)
            {
                status = "401";
                if (challenge)
                {
                    http.Response.Headers.WWWAuthenticate = FeedResponder.Realm;
                }

                return Results.Text("<html><body>Unauthorized</body></html>", "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            }

            http.Items[IdentityItem] = identity;
            var audit = services.GetRequiredService<ILoggerFactory>().CreateLogger("Minemeld.Streams.FeedServer.Audit");
            if (write && audit.IsEnabled(LogLevel.Information))
            {
                var parameters = string.Join('&', http.Request.Query.Where(static q => q.Key != "_").Select(static q => $"{q.Key}={q.Value}"));
                var action = $"{http.Request.Method} {http.Request.Path}";
                var user = identity.Id;
                LogAudit(audit, user, action, parameters, http.Request.ContentLength ?? 0);
            }

            var result = await next(context).ConfigureAwait(false);
            status = (result as IStatusCodeHttpResult)?.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "200";
            return result;
        }
        finally
        {
            FeedServerMetrics.AdminRequests.WithLabels(group, status).Inc();
        }
    }

    /// <summary>
    /// Why a browser's request comes from another site; null for a same-origin request or one no browser sent.
    /// </summary>
    internal static string? CrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
        {
            return $"a {site} request";
        }

        if (site is "same-origin" or "none")
        {
            return null; // set by the browser itself (no page can forge it); a form post may then carry "Origin: null"
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"a request from origin {origin}";
    }

    /// <summary>
    /// The 403 of a non-loopback caller while <see cref="FeedServerOptions.AdminRemoteAccess"/> is off; null when the
    /// caller may go on.
    /// </summary>
    internal static IResult? RefuseRemote(HttpContext http, FeedServerOptions options) =>
        options.AdminRemoteAccess || IsLoopback(http.Connection.RemoteIpAddress)
            ? null
            : Results.Text("Forbidden: the admin API and the console answer loopback clients only (FeedServer:AdminRemoteAccess)\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);

    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address) ||
        (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "AUDIT user={User} action=\"{Action}\" params=\"{Parameters}\" body_bytes={BodyBytes}")]
    private static partial void LogAudit(ILogger logger, string user, string action, string parameters, long bodyBytes);
}
