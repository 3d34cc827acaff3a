using Minemeld.Streams.FeedServer.Feeds;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary><c>GET|HEAD /feeds/&lt;feed&gt;</c>: what firewalls fetch (docs/feed-api.md).</summary>
public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/feeds/{feed}", ["GET", "HEAD"], static (HttpContext context, string feed, FeedResponder responder) => responder.ServeAsync(context, feed));
        return app;
    }
}
