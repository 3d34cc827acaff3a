using System.Buffers;
using System.Text;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// Where a formatter writes: a buffer flushed to the response (and to a render-cache file) every
/// <see cref="FlushThreshold"/> bytes, so memory stays flat whatever the feed size.
/// </summary>
public sealed class FeedOutput(Stream response, Stream? copy)
{
    public const int FlushThreshold = 64 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold + 4096);

    /// <summary>Bytes handed to the response so far (uncompressed).</summary>
    public long Written { get; private set; }

    /// <summary>True once bytes went to the client: from then on a failure can only abort the response.</summary>
    public bool Started { get; private set; }

    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(text.AsSpan());
    }

    public void Write(ReadOnlySpan<char> text)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    public void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void Write(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    /// <summary>Sends the buffer on when it is large enough; formatters call this after each entry or page.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken) =>
        _buffer.WrittenCount >= FlushThreshold ? new ValueTask(FlushAsync(cancellationToken)) : ValueTask.CompletedTask;

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        Started = true;
        var bytes = _buffer.WrittenMemory;
        if (copy is not null)
        {
            await copy.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        await response.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        Written += bytes.Length;
        _buffer.ResetWrittenCount();
    }
}
