using System.Text.Json.Nodes;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>A local-list entry as stored: attributes, plus expiry and last update in epoch ms when known.</summary>
public sealed record LocalListEntry(string Indicator, JsonObject Attributes, long? ExpiresAt, long? UpdatedAt);
