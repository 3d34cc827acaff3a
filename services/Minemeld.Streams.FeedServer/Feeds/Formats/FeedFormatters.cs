namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>The formatter of each <see cref="FeedFormat"/>.</summary>
public static class FeedFormatters
{
    public static IFeedFormatter For(FeedQuery query, int carbonBlackMaxAddresses)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Format switch
        {
            FeedFormat.Plain when query.Summarize => new SumFormatter(),
            FeedFormat.Plain => new PlainFormatter(),
            FeedFormat.Json => new JsonFormatter(sequence: false),
            FeedFormat.JsonSeq => new JsonFormatter(sequence: true),
            FeedFormat.Csv => new CsvFormatter(),
            FeedFormat.Mwg => new MwgFormatter(),
            FeedFormat.PanosUrl => new PanosUrlFormatter(),
            FeedFormat.BlueCoat => new BlueCoatFormatter(),
            FeedFormat.CarbonBlack => new CarbonBlackFormatter(carbonBlackMaxAddresses),
            FeedFormat.Stix => new StixFormatter(),
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.Format, "unknown format"),
        };
    }
}
