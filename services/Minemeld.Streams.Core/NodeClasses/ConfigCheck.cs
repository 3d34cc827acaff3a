using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>
/// Checks the value of one config key; reports through <paramref name="issues"/> at <paramref name="path"/>.
/// </summary>
public delegate void ConfigCheck(JsonNode? value, string path, ConfigIssues issues);
