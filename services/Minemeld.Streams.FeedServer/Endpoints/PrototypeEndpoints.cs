using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Access;
using YamlDotNet.Serialization;

namespace Minemeld.Streams.FeedServer.Endpoints;

/// <summary>
/// <c>GET /prototype</c> (every library) and <c>GET /prototype/&lt;lib&gt;.&lt;name&gt;</c> (one prototype; 404 when
/// unknown).
/// </summary>
public static class PrototypeEndpoints
{
    public static IEndpointRouteBuilder MapPrototypeEndpoints(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/prototype").AddEndpointFilter(new AdminEndpointFilter("prototype", write: false));
        read.MapGet("/", All);
        read.MapGet("/{fullName}", One);
        return app;
    }

    private static IResult All(PrototypeLibrary library)
    {
        var libraries = new JsonObject();
        foreach (var group in library.All().GroupBy(static p => p.Library, StringComparer.Ordinal))
        {
            var prototypes = new JsonObject();
            foreach (var prototype in group)
            {
                var entry = new JsonObject
                {
                    ["class"] = prototype.Class,
                    ["config"] = prototype.Config.DeepClone(),
                    ["development_status"] = prototype.DevelopmentStatus,
                    ["node_type"] = prototype.NodeType,
                    ["description"] = prototype.Description,
                    ["indicator_types"] = new JsonArray([.. prototype.IndicatorTypes.Select(static t => JsonValue.Create(t))]),
                    ["tags"] = new JsonArray([.. prototype.Tags.Select(static t => JsonValue.Create(t))]),
                };
                if (prototype.DiffersFromMineMeld is { } why)
                {
                    entry["differs_from_minemeld"] = why;
                }

                prototypes[prototype.Name] = entry;
            }

            libraries[group.Key] = new JsonObject { ["author"] = group.First().Author, ["prototypes"] = prototypes };
        }

        return Results.Text(libraries.ToJsonString(), "application/json");
    }

    private static IResult One(string fullName, PrototypeLibrary library)
    {
        var dot = fullName.LastIndexOf('.');
        if (dot <= 0 || dot == fullName.Length - 1)
        {
            return MineMeldResults.Error(StatusCodes.Status400BadRequest, "Invalid prototype name, expected <library>.<name>");
        }

        if (!library.TryResolve(fullName, out var prototype, out var error))
        {
            return MineMeldResults.Error(StatusCodes.Status404NotFound, error ?? $"unknown prototype {fullName}");
        }

        var config = new SerializerBuilder().Build().Serialize(ToPlain(prototype.Config));
        var body = new JsonObject
        {
            ["class"] = prototype.Class,
            ["config"] = config,
            ["developmentStatus"] = prototype.DevelopmentStatus,
            ["nodeType"] = prototype.NodeType,
            ["description"] = prototype.Description,
            ["indicatorTypes"] = new JsonArray([.. prototype.IndicatorTypes.Select(static t => JsonValue.Create(t))]),
            ["tags"] = new JsonArray([.. prototype.Tags.Select(static t => JsonValue.Create(t))]),
        };
        if (prototype.DiffersFromMineMeld is { } why)
        {
            body["differsFromMineMeld"] = why;
        }

        return Results.Text(body.ToJsonString(), "application/json");
    }

    /// <summary>JSON nodes to plain objects YamlDotNet can write (MineMeld returned the config as YAML text).</summary>
    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(static p => p.Key, static p => ToPlain(p.Value)),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<long>(out var l) => l,
        JsonValue value when value.TryGetValue<double>(out var d) => d,
        _ => null,
    };
}
