using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.FeedServer.Status;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>
/// <c>GET /status/minemeld</c> (MineMeld's node status fields: docs/feed-api.md, "Endpoints and behaviour"),
/// <c>/status/info</c>, <c>/status/config</c>, <c>/status/&lt;node&gt;/hup</c>.
/// </summary>
public static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatusEndpoints(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/status").AddEndpointFilter(new AdminEndpointFilter("status", write: false));
        read.MapGet("/minemeld", MineMeldAsync);
        read.MapGet("/info", static () => MineMeldResults.Ok(new JsonObject { ["sns"] = false, ["version"] = typeof(StatusEndpoints).Assembly.GetName().Version?.ToString() }));
        read.MapGet("/config", static (NodeGraph graph) => MineMeldResults.Ok(GraphJson(graph)));
        read.MapMethods("/{node}/hup", ["GET", "POST"], HupAsync);
        return app;
    }

    private static async Task<IResult> MineMeldAsync(NodeStatusReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return MineMeldResults.Ok(await reader.ReadAllAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (StateStoreFaults.IsFault(ex))
        {
            return MineMeldResults.Error(StatusCodes.Status503ServiceUnavailable, $"state store unavailable: {ex.Message}");
        }
    }

    private static async Task<IResult> HupAsync(string node, NodeGraph graph, IStateStore store)
    {
        if (!graph.TryGetNode(node, out _))
        {
            return MineMeldResults.Error(StatusCodes.Status404NotFound, $"Unknown node {node}");
        }

        // Sent even if the client has gone meanwhile: no request token.
        await store.Hup.PublishAsync(graph.Name, node, CancellationToken.None).ConfigureAwait(false);
        return MineMeldResults.Ok("ok");
    }

    private static JsonObject GraphJson(NodeGraph graph)
    {
        var nodes = new JsonObject();
        foreach (var node in graph.Nodes)
        {
            nodes[node.Name] = new JsonObject
            {
                ["prototype"] = node.Prototype,
                ["class"] = node.ClassName,
                ["inputs"] = new JsonArray([.. node.Inputs.Select(static i => JsonValue.Create(i))]),
                ["output"] = node.Output,
                ["config"] = node.Config.DeepClone(),
            };
        }

        return new JsonObject { ["nodes"] = nodes };
    }
}
