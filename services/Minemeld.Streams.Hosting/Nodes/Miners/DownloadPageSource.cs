using AngleSharp.Html.Parser;
using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// A document Microsoft publishes under a name that changes, behind a download page (MineMeld's <c>AzureJSON</c> and
/// <c>AzureXML</c>): the page is fetched (<c>url</c>, by default the class's page), its download link followed (the
/// <c>failoverLink</c> anchor, else the first link whose file name starts with <paramref name="filePrefix"/> and ends
/// with <paramref name="fileExtension"/>), and the document parsed. A <c>url</c> that answers the document itself (a
/// mirror, a copy) is parsed as it is.
/// </summary>
public sealed class DownloadPageSource(
    FeedFetcher fetcher,
    string filePrefix,
    string fileExtension,
    Func<TextReader, FeedParseReport, IEnumerable<FeedItem>> parse)
{
    /// <summary>The download pages of Azure's service tags per cloud, as Microsoft numbers them.</summary>
    public static readonly IReadOnlyDictionary<string, string> AzureServiceTagPages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["public"] = "https://www.microsoft.com/en-us/download/confirmation.aspx?id=56519",
        ["usgov"] = "https://www.microsoft.com/en-us/download/confirmation.aspx?id=57063",
        ["china"] = "https://www.microsoft.com/en-us/download/confirmation.aspx?id=57062",
        ["germany"] = "https://www.microsoft.com/en-us/download/confirmation.aspx?id=57064",
    };

    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(parse);
        var page = await fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
        var start = page.AsSpan().TrimStart();
        if (start.StartsWith("{") || start.StartsWith("<?xml"))
        {
            return [.. parse(new StringReader(page), report)];
        }

        var document = await new HtmlParser().ParseDocumentAsync(page, cancellationToken).ConfigureAwait(false);
        var link = document.QuerySelector("a.failoverLink")?.GetAttribute("href")
            ?? document.QuerySelectorAll("a[href]").Select(static a => a.GetAttribute("href")!).FirstOrDefault(IsDocument)
            ?? throw new FeedFetchException($"{fetcher.Source}: the download page has no link to the document (no failoverLink, no {filePrefix}*{fileExtension})");
        var body = await fetcher.FetchAsync(link, cancellationToken).ConfigureAwait(false);
        return [.. parse(new StringReader(body), report)];
    }

    private bool IsDocument(string href)
    {
        var name = href[(href.LastIndexOf('/') + 1)..];
        return name.StartsWith(filePrefix, StringComparison.OrdinalIgnoreCase) && name.EndsWith(fileExtension, StringComparison.OrdinalIgnoreCase);
    }
}
