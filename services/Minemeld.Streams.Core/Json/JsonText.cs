using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Json;

/// <summary>
/// Compact UTF-8 JSON written through a buffer and writer reused per thread: one allocation, the result.
/// <see cref="ToUtf8Bytes"/> gives byte for byte what <see cref="JsonNode.ToJsonString"/> gives (default options);
/// <see cref="Begin"/> and <see cref="End"/> let a caller write anything else the same way.
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
        node.WriteTo(Begin());
        return End();
    }

    /// <summary>
    /// This thread's writer, emptied: write one JSON value, then call <see cref="End"/> on the same thread (not
    /// reentrant: nothing else may use it in between). A write that failed half-way is discarded by the next call.
    /// </summary>
    public static Utf8JsonWriter Begin()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>What was written since <see cref="Begin"/>, as a new array.</summary>
    public static byte[] End()
    {
        var bytes = Written().ToArray();
        Done();
        return bytes;
    }

    /// <summary>
    /// What was written since <see cref="Begin"/>, in this thread's reused array of exactly that length
    /// (<see cref="Collections.TransientArrays.ForValue"/>): valid only until this thread asks for that length again.
    /// For a message value handed straight to the Kafka producer, which copies it.
    /// </summary>
    internal static byte[] EndTransient()
    {
        var written = Written();
        var bytes = Collections.TransientArrays.ForValue(written.Length);
        written.CopyTo(bytes);
        Done();
        return bytes;
    }

    /// <summary>
    /// <see cref="End"/> for values whose arrays are never changed once made: <paramref name="last"/> itself when it
    /// holds exactly the bytes written, else a new array, which becomes <paramref name="last"/>
    /// (<see cref="Collections.SharedArrays"/>).
    /// </summary>
    public static byte[] EndSharing(ref byte[]? last)
    {
        var bytes = Collections.SharedArrays.Of(Written(), ref last);
        Done();
        return bytes;
    }

    private static ReadOnlySpan<byte> Written()
    {
        t_writer!.Flush();
        return t_buffer!.WrittenSpan;
    }

    /// <summary>
    /// Empties the buffer for the next value; one that grew past <see cref="MaxKeptBuffer"/> is not kept.
    /// </summary>
    private static void Done()
    {
        t_buffer!.ResetWrittenCount();
        if (t_buffer.Capacity > MaxKeptBuffer)
        {
            (t_buffer, t_writer) = (null, null);
        }
    }
}
