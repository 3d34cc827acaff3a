using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Compact UTF-8 JSON of a node, byte for byte what <see cref="JsonNode.ToJsonString"/> gives (default options),
/// written through a buffer and writer reused per thread: one allocation, the result.
/// </summary>
public static class JsonText
{
    /// <summary>A buffer that grew past this (a huge value) is not kept for the next call.</summary>
    private const int MaxKeptBuffer = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] ToUtf8Bytes(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        try
        {
            writer.Reset(buffer);
            node.WriteTo(writer);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity > MaxKeptBuffer)
            {
                (t_buffer, t_writer) = (null, null);
            }
        }
    }
}
