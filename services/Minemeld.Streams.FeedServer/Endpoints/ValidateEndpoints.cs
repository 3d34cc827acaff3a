using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Access;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>
/// <c>POST /validate/graph</c>: a graph file (YAML, MineMeld's format) in the body, checked exactly as the workers
/// check it at start-up. 200 <c>{"result": "ok", "warnings": […]}</c>, or 400 with every error (node, key, line).
/// </summary>
public static class ValidateEndpoints
{
    public static IEndpointRouteBuilder MapValidateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/validate").AddEndpointFilter(new AdminEndpointFilter("validate", write: false))
            .MapPost("/graph", ValidateGraphAsync);
        return app;
    }

    private static async Task<IResult> ValidateGraphAsync(HttpRequest request, PrototypeLibrary prototypes)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        var name = request.Query["name"] is { Count: > 0 } given ? given[0]! : "candidate";
        var result = GraphLoader.Parse(text, "request", name, prototypes);
        var warnings = new JsonArray([.. result.Warnings.Select(static w => JsonValue.Create(w.ToString()))]);
        if (result.IsValid)
        {
            return Results.Text(new JsonObject { ["result"] = "ok", ["warnings"] = warnings }.ToJsonString(), "application/json");
        }

        return MineMeldResults.Error(StatusCodes.Status400BadRequest, new JsonArray([.. result.Errors.Select(static e => JsonValue.Create(e.ToString()))]));
    }
}
