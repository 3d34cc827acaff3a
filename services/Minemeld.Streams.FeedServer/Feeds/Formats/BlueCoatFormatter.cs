using System.Text.Json;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// ProxySG local database: the whole feed, each URL lower-cased, without scheme, wildcard tokens rewritten (never
/// dropped), filed under every category of the value's <c>ca</c> attribute, or the <c>cd</c> defaults, or skipped.
/// Output groups by category in first-seen order (<c>define category X</c> … <c>end</c>); nothing qualifies → an
/// empty body. Categories are found in a first pass and each is written from its own pass over the same snapshot,
/// so memory holds category names, never the feed.
/// </summary>
internal sealed class BlueCoatFormatter : IFeedFormatter
{
    public string ContentType => "text/plain; charset=utf-8";

    public bool NeedsValues => true;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var query = context.Query;
        var categories = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var page in context.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in page)
            {
                foreach (var category in Categories(entry, query))
                {
                    if (seen.Add(category))
                    {
                        categories.Add(category);
                    }
                }
            }
        }

        var output = context.Output;
        foreach (var category in categories)
        {
            output.Write("define category ");
            output.Write(category);
            output.Write((byte)'\n');
            await foreach (var page in context.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var entry in page)
                {
                    if (Categories(entry, query).Contains(category, StringComparer.Ordinal))
                    {
                        output.Write(UrlRewriter.RewriteWildcards(UrlRewriter.LowerWithoutScheme(entry.Indicator), out _));
                        output.Write((byte)'\n');
                    }
                }

                await output.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }

            output.Write("end\n"u8);
        }
    }

    private static IReadOnlyList<string> Categories(FeedEntry entry, FeedQuery query)
    {
        using var value = StoredValue.Parse(entry.Value);
        if (!StoredValue.TryGet(value, query.CategoryAttribute, out var attribute))
        {
            return query.DefaultCategories;
        }

        return attribute.ValueKind switch
        {
            JsonValueKind.String => [attribute.GetString()!],
            JsonValueKind.Array => [.. attribute.EnumerateArray().Where(static c => c.ValueKind == JsonValueKind.String).Select(static c => c.GetString()!)],
            _ => query.DefaultCategories,
        };
    }
}
