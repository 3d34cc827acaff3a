using System.Text;
using System.Text.Json;

namespace Minemeld.Streams.FeedServer.Feeds.Formats;

/// <summary>
/// csv (Python's excel dialect): <c>,</c> delimiter, minimal quoting with <c>"</c>, CRLF rows, a header of the column
/// names unless <c>h=0</c>, the UTF-8 BOM with <c>ubom=1</c>. <c>indicator</c> is the (translated) indicator; any
/// other field is read from the value: strings and integers as they are, booleans as <c>True</c>/<c>False</c>, a
/// list of scalars joined with <c>,</c> (a list of numbers too: MineMeld crashed on those), anything else as
/// Python's JSON.
/// </summary>
internal sealed class CsvFormatter : IFeedFormatter
{
    public string ContentType => "text/csv; charset=utf-8";

    public bool NeedsValues => true;

    public async Task WriteAsync(FeedRenderContext context, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var query = context.Query;
        var fields = query.Fields;
        if (query.Bom)
        {
            output.Write([0xEF, 0xBB, 0xBF]);
        }

        var row = new StringBuilder();
        if (query.Header)
        {
            WriteRow(output, row, fields.Select(static f => f.Column).ToArray());
        }

        var indicators = new List<string>();
        var cells = new string[fields.Count];
        await context.ForEachPageAsync(page =>
        {
            foreach (var entry in page)
            {
                using var value = StoredValue.Parse(entry.Value);
                RangeTranslation.Expand(entry, value, query.TranslateRanges, indicators);

                foreach (var indicator in indicators)
                {
                    for (var i = 0; i < fields.Count; i++)
                    {
                        cells[i] = fields[i].Attribute == "indicator"
                            ? indicator
                            : StoredValue.TryGet(value, fields[i].Attribute, out var element) ? Cell(element) : string.Empty;
                    }

                    WriteRow(output, row, cells);
                }
            }

            return page.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static string Cell(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Number when element.TryGetInt64(out var integer) => integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.Array when element.EnumerateArray().All(static e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
            string.Join(',', element.EnumerateArray().Select(static e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
        _ => PyJson.Dumps(element),
    };

    private static void WriteRow(FeedOutput output, StringBuilder row, string[] cells)
    {
        row.Clear();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                row.Append(',');
            }

            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (cell.Length == 0 && cells.Length == 1))
            {
                row.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                row.Append(cell);
            }
        }

        row.Append("\r\n");
        output.Write(row.ToString());
    }
}
