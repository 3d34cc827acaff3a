using System.Net;
using Microsoft.Extensions.Options;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Guards the admin API (decision 9): loopback clients only unless <see cref="FeedServerOptions.AdminRemoteAccess"/>,
/// an admin credential (Basic or the bearer token; feed users are refused as MineMeld refused them), and an audit
/// line for every write (who, what, which parameters; never a body or a password). A write that a browser says comes
/// from another site (<c>Sec-Fetch-Site</c> cross-site or same-site, or an <c>Origin</c> other than the server's) is
/// refused before its credentials are looked at: a browser that cached an admin's Basic credentials sends them with
/// any page's request, so a forged form or script must not act with them (CSRF). Scripts and sync tools send
/// neither header and are not affected.
/// </summary>
public sealed partial class AdminEndpointFilter(string group, bool write) : IEndpointFilter
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
            if (!options.AdminRemoteAccess && !IsLoopback(http.Connection.RemoteIpAddress))
            {
                status = "403";
                return Results.Text("Forbidden: the admin API answers loopback clients only (FeedServer:AdminRemoteAccess)\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }

            if (write && CrossSite(http.Request) is { } why)
            {
                status = "403";
                return Results.Text($"Forbidden: {why}; the admin API takes writes from its own pages and from scripts only\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }

            Identity identity;
            try
            {
                identity = await services.GetRequiredService<AccessDirectory>().ResolveAsync(http.Request.Headers.Authorization, adminsOnly: true, http.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (StateStoreFaults.IsFault(ex))
            {
                status = "503";
                return Results.Text("<html><body>Service unavailable</body></html>", "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            if (identity.Kind != IdentityKind.Admin)
            {
                status = "401";
                http.Response.Headers.WWWAuthenticate = FeedResponder.Realm;
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

    /// <summary>Why a browser's request comes from another site; null for a same-origin request or one no browser sent.</summary>
    private static string? CrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
        {
            return $"a {site} request";
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

    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address) ||
        (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "AUDIT user={User} action=\"{Action}\" params=\"{Parameters}\" body_bytes={BodyBytes}")]
    private static partial void LogAudit(ILogger logger, string user, string action, string parameters, long bodyBytes);
}
