using AngleSharp.Html.Parser;
using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.Hosting.Nodes;

/// <summary>
/// MineMeld's <c>AzureJSON</c> fetch: Microsoft publishes the service tags document under a name that changes every
/// week, behind a download page. The page is fetched (<c>url</c>, by default MineMeld's), its download link (the
/// <c>failoverLink</c> anchor, else the first link to a <c>ServiceTags_*.json</c>) followed, and the document parsed.
/// A <c>url</c> that answers the JSON itself (a mirror, a copy) is parsed as it is.
/// </summary>
public sealed class AzureServiceTagsSource(FeedFetcher fetcher, AzureServiceTagsParser parser)
{
    /// <summary>The download page MineMeld read.</summary>
    public const string DefaultUrl = "https://www.microsoft.com/en-us/download/confirmation.aspx?id=56519";

    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(parser);
        var page = await fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
        if (page.AsSpan().TrimStart().StartsWith("{"))
        {
            return [.. parser.Parse(new StringReader(page), report)];
        }

        var document = await new HtmlParser().ParseDocumentAsync(page, cancellationToken).ConfigureAwait(false);
        var link = document.QuerySelector("a.failoverLink")?.GetAttribute("href")
            ?? document.QuerySelectorAll("a[href]").Select(static a => a.GetAttribute("href")!).FirstOrDefault(static h => h.Contains("ServiceTags_", StringComparison.OrdinalIgnoreCase) && h.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            ?? throw new FeedFetchException($"{fetcher.Source}: the download page has no link to the service tags document (no failoverLink, no ServiceTags_*.json)");
        var json = await fetcher.FetchAsync(link, cancellationToken).ConfigureAwait(false);
        return [.. parser.Parse(new StringReader(json), report)];
    }
}
