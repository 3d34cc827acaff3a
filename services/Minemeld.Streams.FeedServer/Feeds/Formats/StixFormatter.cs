using System.Buffers;
using System.Text.Json;
using Minemeld.Streams.FeedServer.Stix;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// <c>v=stix</c>: the feed as one STIX 2.1 bundle: the producer's identity, then an indicator per entry (the objects
/// the TAXII collection serves, with the same ids), in the feed's order and within <c>s</c>/<c>n</c>. An entry's
/// <c>modified</c> is its value's <c>last_seen</c>; a feed that keeps no values has none, so its objects carry the
/// time of the render. Entries of a type STIX patterns do not cover are left out.
/// </summary>
internal sealed class StixFormatter : IFeedFormatter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ContentType => StixIndicators.MediaType;

    public bool NeedsValues => true;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var output = context.Output;
        var now = context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, Options);
        output.Write("{\"type\":\"bundle\",\"id\":\"bundle--"u8);
        output.Write(StixIndicators.UuidV5(StixIndicators.Namespace, $"bundle\n{context.Feed}\n{context.Snapshot.Version}").ToString());
        output.Write("\",\"objects\":["u8);
        StixIndicators.WriteIdentity(writer);
        writer.Flush();
        output.Write(buffer.WrittenSpan);
        await context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                var modified = StixIndicators.LastSeen(entry.Value) ?? now;
                if (StixIndicators.TryWrite(writer, context.Feed, entry.Indicator, entry.Value, modified, revoked: false))
                {
                    writer.Flush();
                    output.Write((byte)',');
                    output.Write(buffer.WrittenSpan);
                }
            }

            return page.Count;
        }, cancellationToken).ConfigureAwait(false);
        output.Write("]}\n"u8);
    }
}
