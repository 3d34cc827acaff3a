using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>One indicator a feed produced, with the attributes extracted for it.</summary>
public readonly record struct FeedItem(string Indicator, JsonObject Attributes);
