using System.Net;
using Microsoft.Extensions.Options;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Guards the admin API (decision 9): loopback clients only unless <see cref="FeedServerOptions.AdminRemoteAccess"/>,
/// an admin credential (Basic or the bearer token; feed users are refused as MineMeld refused them), and an audit
/// line for every write (who, what, which parameters; never a body or a password).
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

    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address) ||
        (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "AUDIT user={User} action=\"{Action}\" params=\"{Parameters}\" body_bytes={BodyBytes}")]
    private static partial void LogAudit(ILogger logger, string user, string action, string parameters, long bodyBytes);
}
