namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// One entry per line. MineMeld joined each page of 100 with <c>\n</c> and added <c>\n</c>, so an empty feed is a
/// single <c>\n</c> and a read ending exactly on a page boundary (without <c>n</c> stopping it) ends with a blank line;
/// both are kept. <c>tr=1</c> translates every line (no type check), as MineMeld's plain format did.
/// </summary>
internal sealed class PlainFormatter : IFeedFormatter
{
    public string ContentType => "text/plain; charset=utf-8";

    public bool NeedsValues => false;

    public Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var translate = context.Query.TranslateRanges;
        var lines = new List<string>();
        return context.ForEachPageAsync(page =>
        {
            lines.Clear();
            foreach (var entry in page)
            {
                if (translate)
                {
                    RangeTranslation.Translate(entry.Indicator, lines);
                }
                else
                {
                    lines.Add(entry.Indicator);
                }
            }

            foreach (var line in lines)
            {
                output.Write(line);
                output.Write((byte)'\n');
            }

            if (lines.Count == 0)
            {
                output.Write((byte)'\n');
            }

            return lines.Count;
        }, cancellationToken);
    }
}
