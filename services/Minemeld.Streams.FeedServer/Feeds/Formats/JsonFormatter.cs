namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// json: <c>[\n</c>, elements separated by <c>,\n</c>, <c>]\n</c> right after the last one (<c>[\n]\n</c> when empty).
/// json-seq (RFC 7464, what MineMeld's JSONSEQMiner reads): <c>0x1E</c> + element + <c>\n</c>. An element is
/// <c>{"indicator":…,"value":…}</c> with the stored value copied byte for byte (or <c>null</c>); with <c>tr=1</c>
/// every CIDR of an IPv4 range is its own element carrying the same value.
/// </summary>
internal sealed class JsonFormatter(bool sequence) : IFeedFormatter
{
    public string ContentType => sequence ? "application/json-seq" : "application/json";

    public bool NeedsValues => true;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var translate = context.Query.TranslateRanges;
        var first = true;
        var indicators = new List<string>();
        if (!sequence)
        {
            output.Write("[\n"u8);
        }

        await context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                using (var value = translate ? StoredValue.Parse(entry.Value) : null)
                {
                    RangeTranslation.Expand(entry, value, translate, indicators);
                }

                foreach (var indicator in indicators)
                {
                    if (sequence)
                    {
                        output.Write(0x1E);
                    }
                    else if (!first)
                    {
                        output.Write(",\n"u8);
                    }

                    first = false;
                    output.Write("{\"indicator\":"u8);
                    output.Write(PyJson.Quote(indicator));
                    output.Write(",\"value\":"u8);
                    output.Write(entry.Value ?? "null");
                    output.Write((byte)'}');
                    if (sequence)
                    {
                        output.Write((byte)'\n');
                    }
                }
            }

            return page.Count;
        }, cancellationToken).ConfigureAwait(false);

        if (!sequence)
        {
            output.Write("]\n"u8);
        }
    }
}
