using System.Text.Json.Serialization;

namespace Minemeld.Streams.Core.Messages;

/// <summary>Source-generated serialization of the message contract (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(IndicatorMessage))]
internal sealed partial class MessageJsonContext : JsonSerializerContext;
