namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// PAN-OS URL EDL: lower-case, no scheme, entries with a port dropped (or the port stripped with <c>sp</c>), partial
/// wildcard tokens rewritten to <c>*</c> (or the entry dropped with <c>di</c>; dropped anyway when the rewrite leaves a
/// host as broad as <c>*.com</c>), <c>/</c> appended to bare hosts unless <c>nsl</c>, and <c>*.d.com</c> preceded by
/// <c>d.com</c> because PAN-OS does not match the parent with the wildcard (PAN-OS's URL matching rules).
/// </summary>
internal sealed class PanosUrlFormatter : IFeedFormatter
{
    public string ContentType => "text/plain; charset=utf-8";

    public bool NeedsValues => false;

    public Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var query = context.Query;
        return context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                if (Rewrite(entry.Indicator, query) is not { } line)
                {
                    continue;
                }

                if (line.StartsWith("*.", StringComparison.Ordinal))
                {
                    output.Write(line.AsSpan(2));
                    output.Write((byte)'\n');
                }

                output.Write(line);
                output.Write((byte)'\n');
            }

            return page.Count;
        }, cancellationToken);
    }

    internal static string? Rewrite(string indicator, FeedQuery query)
    {
        var url = UrlRewriter.LowerWithoutScheme(indicator);
        if (UrlRewriter.HasPort(url, out var withoutPort))
        {
            if (!query.StripPort)
            {
                return null;
            }

            url = withoutPort;
        }

        url = UrlRewriter.RewriteWildcards(url, out var changed);
        if (changed && (query.DropInvalid || UrlRewriter.IsTooBroad(url)))
        {
            return null;
        }

        if (!query.NoSlash && !url.Contains('/', StringComparison.Ordinal))
        {
            url += "/";
        }

        return url;
    }
}
