using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Minemeld.Streams.FeedServer.Feeds;

/// <summary>
/// The parameters of a feed request, parsed by name only (docs/minemeld-compatibility.md, "Differences from MineMeld",
/// 15) with MineMeld's 400 messages; anything that does not parse is a 400, never a 500.
/// </summary>
public sealed record FeedQuery
{
    /// <summary>MineMeld's "no limit": 2^32 − 1.</summary>
    public const long Unlimited = (1L << 32) - 1;

    public FeedFormat Format { get; init; }

    public long Start { get; init; }

    public long Count { get; init; } = Unlimited;

    public bool Descending { get; init; }

    public bool TranslateRanges { get; init; }

    public bool Summarize { get; init; }

    /// <summary>csv columns: (attribute, column name).</summary>
    public IReadOnlyList<(string Attribute, string Column)> Fields { get; init; } = [("indicator", "indicator")];

    public bool Header { get; init; } = true;

    public bool Bom { get; init; }

    public string ListType { get; init; } = "string";

    public bool StripPort { get; init; }

    public bool DropInvalid { get; init; }

    public bool NoSlash { get; init; }

    public string CategoryAttribute { get; init; } = "bc_category";

    public IReadOnlyList<string> DefaultCategories { get; init; } = [];

    public string ReportTitle { get; init; } = "MieneMeld Generated Report";

    public int ReportScore { get; init; } = 100;

    /// <summary>bluecoat and carbonblack read the whole feed in ascending order whatever s, n and d say.</summary>
    public bool ReadsWholeFeed => Format is FeedFormat.BlueCoat or FeedFormat.CarbonBlack;

    /// <summary>
    /// Parses a query string (<c>tr=1&amp;v=csv</c>, with or without the leading <c>?</c>) as a request's query.
    /// </summary>
    public static bool TryParse(string queryString, out FeedQuery query, out string? error)
    {
        var values = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(queryString);
        return TryParse(name => values.TryGetValue(name, out var value) ? value : default, out query, out error);
    }

    /// <summary>Parses the query; on failure <paramref name="error"/> is MineMeld's message for the 400 body.</summary>
    public static bool TryParse(Func<string, StringValues> get, out FeedQuery query, out string? error)
    {
        ArgumentNullException.ThrowIfNull(get);
        query = new FeedQuery();
        error = null;
        var v = get("v");
        FeedFormat format;
        if (v.Count == 0)
        {
            format = FeedFormat.Plain;
        }
        else if (!TryFormat(v[0], out format))
        {
            error = "unknown format";
            return false;
        }

        long start = 0;
        if (get("s") is { Count: > 0 } s && (!TryInt(s[0], out start) || start < 0))
        {
            error = "s should be a positive integer";
            return false;
        }

        var count = Unlimited;
        if (get("n") is { Count: > 0 } n && (!TryInt(n[0], out count) || count <= 0))
        {
            error = "n should be a positive integer";
            return false;
        }

        long tr = 0;
        if (get("tr") is { Count: > 0 } trValue && !TryInt(trValue[0], out tr))
        {
            error = "tr should be an integer";
            return false;
        }

        long header = 1;
        if (get("h") is { Count: > 0 } h && !TryInt(h[0], out header))
        {
            error = "h should be an integer";
            return false;
        }

        long bom = 0;
        if (get("ubom") is { Count: > 0 } ubom && !TryInt(ubom[0], out bom))
        {
            error = "ubom should be an integer";
            return false;
        }

        var score = 100;
        if (get("rs") is { Count: > 0 } rs && TryInt(rs[0], out var parsedScore) && parsedScore is >= int.MinValue and <= int.MaxValue)
        {
            score = (int)parsedScore;
        }

        var summarize = get("sum").Count > 0 && format == FeedFormat.Plain;
        var listType = get("t") is { Count: > 0 } t ? t[0] ?? "string" : "string";
        query = new FeedQuery
        {
            Format = format,
            Start = start,
            Count = count,
            Descending = get("d").Count > 0,
            Summarize = summarize,
            TranslateRanges = !summarize && (tr != 0 || (format == FeedFormat.Mwg && listType == "ip")),
            Fields = ParseFields(get("f")),
            Header = header != 0,
            Bom = bom == 1,
            ListType = listType,
            StripPort = get("sp").Count > 0,
            DropInvalid = get("di").Count > 0,
            NoSlash = get("nsl").Count > 0,
            CategoryAttribute = get("ca") is { Count: > 0 } ca ? ca[0] ?? "bc_category" : "bc_category",
            DefaultCategories = [.. get("cd").Where(static c => c is not null).Select(static c => c!)],
            ReportTitle = get("rt") is { Count: > 0 } rt ? rt[0] ?? string.Empty : "MieneMeld Generated Report",
            ReportScore = score,
        };
        return true;
    }

    /// <summary>
    /// A digest of everything that shapes the body (format and its parameters, with the page window only where the
    /// format honours it): with the feed version it makes the ETag and the render-cache key.
    /// </summary>
    public string Fingerprint()
    {
        var text = new StringBuilder()
            .Append(Format).Append('|')
            .Append(ReadsWholeFeed ? "all" : $"{Start}:{Count}:{Descending}").Append('|')
            .Append(TranslateRanges).Append('|').Append(Summarize).Append('|');
        switch (Format)
        {
            case FeedFormat.Csv:
                text.AppendJoin('\u001f', Fields.Select(static f => f.Attribute + "\u001e" + f.Column)).Append('|').Append(Header).Append(Bom);
                break;
            case FeedFormat.Mwg:
                text.Append(ListType);
                break;
            case FeedFormat.PanosUrl:
                text.Append(StripPort).Append(DropInvalid).Append(NoSlash);
                break;
            case FeedFormat.BlueCoat:
                text.Append(CategoryAttribute).Append('\u001f').AppendJoin('\u001f', DefaultCategories);
                break;
            case FeedFormat.CarbonBlack:
                text.Append(ReportTitle).Append('\u001f').Append(ReportScore);
                break;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 8);
    }

    private static bool TryFormat(string? value, out FeedFormat format)
    {
        (var ok, format) = value switch
        {
            "json" => (true, FeedFormat.Json),
            "json-seq" => (true, FeedFormat.JsonSeq),
            "csv" => (true, FeedFormat.Csv),
            "mwg" => (true, FeedFormat.Mwg),
            "bluecoat" => (true, FeedFormat.BlueCoat),
            "panosurl" => (true, FeedFormat.PanosUrl),
            "carbonblack" => (true, FeedFormat.CarbonBlack),
            "stix" => (true, FeedFormat.Stix),
            _ => (false, FeedFormat.Plain),
        };
        return ok;
    }

    /// <summary>Python's <c>int()</c> on a query value: optional sign, surrounding blanks, decimal digits.</summary>
    private static bool TryInt(string? value, out long result) =>
        long.TryParse(value, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);

    private static List<(string, string)> ParseFields(StringValues values)
    {
        if (values.Count == 0)
        {
            return [("indicator", "indicator")];
        }

        var fields = new List<(string, string)>(values.Count);
        foreach (var value in values)
        {
            var text = value ?? string.Empty;
            var pipe = text.LastIndexOf('|');
            fields.Add(pipe < 0 ? (text, text) : (text[..pipe], text[(pipe + 1)..]));
        }

        return fields;
    }
}
