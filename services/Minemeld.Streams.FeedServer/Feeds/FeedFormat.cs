namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>The <c>v</c> parameter of <c>/feeds/&lt;feed&gt;</c> (docs/feed-api.md).</summary>
public enum FeedFormat
{
    Plain,
    Json,
    JsonSeq,
    Csv,
    Mwg,
    BlueCoat,
    PanosUrl,
    CarbonBlack,

    /// <summary>A STIX 2.1 bundle of the feed's indicators (not a MineMeld format).</summary>
    Stix,
}
