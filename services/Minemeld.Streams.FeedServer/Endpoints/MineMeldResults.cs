using System.Text.Json.Nodes;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>MineMeld's JSON reply shapes: <c>{"result": …}</c> and <c>{"error": {"message": …}}</c>.</summary>
internal static class MineMeldResults
{
    public static IResult Ok(JsonNode? result) => Results.Text(new JsonObject { ["result"] = result }.ToJsonString(), "application/json");

    public static IResult Error(int status, JsonNode message) =>
        Results.Text(new JsonObject { ["error"] = new JsonObject { ["message"] = message } }.ToJsonString(), "application/json", statusCode: status);

    /// <summary>The few handlers that answered with a bare string error.</summary>
    public static IResult BareError(int status, string message) =>
        Results.Text(new JsonObject { ["error"] = message }.ToJsonString(), "application/json", statusCode: status);

    public static async Task<JsonNode?> ReadJsonAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
