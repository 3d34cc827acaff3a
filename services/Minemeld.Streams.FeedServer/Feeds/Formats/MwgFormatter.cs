using System.Text.Json;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// McAfee Web Gateway list: <c>type=&lt;t&gt;</c>, then <c>"&lt;indicator&gt;" "&lt;sources&gt;"</c> per (translated)
/// indicator, sources joined with <c>,</c> or <c>from minemeld</c> when there are none; <c>"</c> escaped as <c>\"</c>.
/// </summary>
internal sealed class MwgFormatter : IFeedFormatter
{
    public string ContentType => "text/plain; charset=utf-8";

    public bool NeedsValues => true;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var query = context.Query;
        output.Write("type=");
        output.Write(query.ListType);
        output.Write((byte)'\n');
        var indicators = new List<string>();
        await context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                using var value = StoredValue.Parse(entry.Value);
                RangeTranslation.Expand(entry, value, query.TranslateRanges, indicators);

                var sources = Sources(value);
                foreach (var indicator in indicators)
                {
                    output.Write((byte)'"');
                    output.Write(Escape(indicator));
                    output.Write("\" \""u8);
                    output.Write(Escape(sources));
                    output.Write("\"\n"u8);
                }
            }

            return page.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Sources(JsonDocument? value)
    {
        if (!StoredValue.TryGet(value, "sources", out var sources))
        {
            return "from minemeld";
        }

        return sources.ValueKind switch
        {
            JsonValueKind.Array => string.Join(',', sources.EnumerateArray().Select(static s => s.ValueKind == JsonValueKind.String ? s.GetString() : s.GetRawText())),
            JsonValueKind.String => sources.GetString()!,
            _ => sources.GetRawText(),
        };
    }

    private static string Escape(string text) => text.Replace("\"", "\\\"", StringComparison.Ordinal);
}
