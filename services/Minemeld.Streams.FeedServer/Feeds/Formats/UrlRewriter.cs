using System.Text.RegularExpressions;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>The URL clean-up steps shared by panosurl and bluecoat (docs/feed-api.md).</summary>
public static partial class UrlRewriter
{
    [GeneratedRegex("^([a-z]+:)*//", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    [GeneratedRegex("^([a-z0-9.-]+):([0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex HostPort();

    [GeneratedRegex("[^./+=?&]+", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    [GeneratedRegex(@"^(\*\.)+[A-Za-z]+(:[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TooBroad();

    /// <summary>
    /// Lower-cases the entry and strips a leading scheme run (<c>http://</c>, <c>hxxp://</c>, <c>//</c>).
    /// </summary>
    public static string LowerWithoutScheme(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var lower = url.ToLowerInvariant();
        var scheme = Scheme().Match(lower);
        return scheme.Success ? lower[scheme.Length..] : lower;
    }

    /// <summary>
    /// Whether the host is followed by <c>:port</c>; <paramref name="withoutPort"/> is the entry without it.
    /// </summary>
    public static bool HasPort(string url, out string withoutPort)
    {
        ArgumentNullException.ThrowIfNull(url);
        var match = HostPort().Match(url);
        withoutPort = match.Success ? string.Concat(match.Groups[1].ValueSpan, url.AsSpan(match.Length)) : url;
        return match.Success;
    }

    /// <summary>
    /// Every token (between <c>. / + = ? &amp;</c>) that mixes <c>*</c> with other characters becomes <c>*</c>.
    /// </summary>
    public static string RewriteWildcards(string url, out bool changed)
    {
        var rewritten = Token().Replace(url, static m => m.ValueSpan.Contains('*') && m.Length > 1 ? "*" : m.Value);
        changed = !string.Equals(rewritten, url, StringComparison.Ordinal);
        return rewritten;
    }

    /// <summary>A host such as <c>*.com</c> or <c>*.*.com</c> after a rewrite: too broad to block.</summary>
    public static bool IsTooBroad(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return TooBroad().IsMatch(slash < 0 ? url : url[..slash]);
    }
}
