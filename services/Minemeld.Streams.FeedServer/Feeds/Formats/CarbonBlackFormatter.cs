using System.Globalization;
using System.Text.Json;
using Minemeld.Streams.Core.Ranges;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// Carbon Black threat-feed JSON in MineMeld's hand-assembled shape (whitespace included). Entries without a stored
/// value are skipped; type <c>domain</c> goes to <c>dns</c>, <c>md5</c> to <c>md5</c> (both lower-cased); <c>IPv4</c>
/// (address, CIDR or range) is expanded into single addresses, at most
/// <see cref="FeedServerOptions.CarbonBlackMaxAddresses"/> per response (the cut is logged and counted, where MineMeld
/// could emit 16M lines for a /8: docs/minemeld-compatibility.md, "Differences from MineMeld", 17). Strings are
/// JSON-escaped (MineMeld pasted them raw). Three passes over one snapshot keep memory flat.
/// </summary>
internal sealed class CarbonBlackFormatter(int maxAddresses) : IFeedFormatter
{
    private const string Link = "https://live.paloaltonetworks.com/t5/MineMeld/ct-p/MineMeld";

    // A 1x1 transparent PNG: MineMeld shipped its logo here; Carbon Black only needs a valid image.
    private const string Icon = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

    public string ContentType => "application/json";

    public bool NeedsValues => true;

    public bool IsTimeDependent => true;

    /// <summary>
    /// Addresses left out because of the cap in the last response written (for the caller's counter).
    /// </summary>
    public long Truncated { get; private set; }

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var feed = context.Feed;
        var query = context.Query;
        var timestamp = context.Time.GetUtcNow().ToUnixTimeSeconds();
        output.Write("{\n\"feedinfo\": {\n  \"category\": \"MineMeld\",  \"icon\": \"" + Icon + "\",  \"icon_small\": \"" + Icon +
            "\",  \"version\": \"0.1\",  \"provider_url\": \"" + Link + "\",  \"display_name\": \"MineMeld Feed\",  \"summary\": \"Indicators routed through MineMeld\",  \"tech_data\": \"Indicators routed through MineMeld\",  \"name\": " +
            PyJson.Quote(feed) + "\n},\n\"reports\": [{  \"timestamp\": " + timestamp.ToString(CultureInfo.InvariantCulture) +
            ",  \"id\": " + PyJson.Quote(feed + "_report") + ",  \"link\": \"" + Link + "\",  \"score\": " +
            query.ReportScore.ToString(CultureInfo.InvariantCulture) + ",  \"description\": \"MineMeld Generated Report\",  \"title\": " +
            PyJson.Quote(query.ReportTitle) + ",    \"iocs\": {        \"ipv4\": [");

        var written = 0L;
        var first = true;
        await foreach (var indicator in IndicatorsOfTypeAsync(context, "IPv4", cancellationToken).ConfigureAwait(false))
        {
            if (!IPRangeParser.TryParse(indicator, out var range, out _) || range.Family != AddressFamilyKind.IPv4)
            {
                continue;
            }

            for (var address = (ulong)range.V4.Start; address <= range.V4.End; address++)
            {
                if (written == maxAddresses)
                {
                    Truncated += (long)(range.V4.End - address) + 1;
                    break;
                }

                output.Write(first ? "\"" : ",\"");
                output.Write(IPv4Family.Format((uint)address));
                output.Write((byte)'"');
                first = false;
                written++;
                await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        output.Write("],\"dns\": ");
        await WriteListAsync(context, "domain", cancellationToken).ConfigureAwait(false);
        output.Write(",\"md5\": ");
        await WriteListAsync(context, "md5", cancellationToken).ConfigureAwait(false);
        output.Write("}}]}");
    }

    /// <summary>A Python <c>json.dumps</c> list of the lower-cased indicators of one type: <c>["a", "b"]</c>.</summary>
    private static async Task WriteListAsync(FeedRenderContext context, string type, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var first = true;
        output.Write((byte)'[');
        await foreach (var indicator in IndicatorsOfTypeAsync(context, type, cancellationToken).ConfigureAwait(false))
        {
            output.Write(first ? string.Empty : ", ");
            output.Write(PyJson.Quote(indicator.ToLowerInvariant()));
            first = false;
            await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        output.Write((byte)']');
    }

    private static async IAsyncEnumerable<string> IndicatorsOfTypeAsync(
        FeedRenderContext context, string type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in context.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in page)
            {
                if (IsOfType(entry, type))
                {
                    yield return entry.Indicator;
                }
            }
        }
    }

    private static bool IsOfType(FeedEntry entry, string type)
    {
        using var value = StoredValue.Parse(entry.Value);
        return StoredValue.TryGet(value, "type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type;
    }
}
