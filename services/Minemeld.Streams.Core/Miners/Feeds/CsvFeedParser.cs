using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Text;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's CSVFT (docs/minemeld-engine.md, "CSV and JSON feeds") with Python's csv dialect options:
/// <c>fieldnames</c> (or the first row as header), <c>delimiter</c>, <c>quotechar</c>, <c>doublequote</c>,
/// <c>escapechar</c>, <c>skipinitialspace</c>. The column <c>indicator</c> is the indicator; every other named column
/// becomes a string attribute; short rows give nulls, surplus columns are dropped. <c>ignore_regex</c> is matched at
/// the start of the raw line.
/// </summary>
public sealed class CsvFeedParser
{
    private readonly Regex? _ignore;
    private readonly List<string>? _fieldnames;
    private readonly char _delimiter;
    private readonly char _quote;
    private readonly bool _doubleQuote;
    private readonly char? _escape;
    private readonly bool _skipInitialSpace;
    private readonly JsonObject _defaults;

    public CsvFeedParser(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _ignore = JsonNodeValues.TryGetString(config["ignore_regex"], out var ignore) ? PythonRegex.Compile($"^(?:{ignore})") : null;
        _fieldnames = config["fieldnames"] is JsonArray names ? [.. names.Select(static n => n?.ToString() ?? string.Empty)] : null;
        _delimiter = Char(config["delimiter"], ',');
        _quote = Char(config["quotechar"], '"');
        _doubleQuote = !JsonNodeValues.TryGetBoolean(config["doublequote"], out var dq) || dq;
        _escape = JsonNodeValues.TryGetString(config["escapechar"], out var esc) && esc.Length == 1 ? esc[0] : null;
        _skipInitialSpace = JsonNodeValues.TryGetBoolean(config["skipinitialspace"], out var skip) && skip;
        _defaults = config["attributes"] as JsonObject ?? [];
    }

    /// <summary>
    /// The records of a document (lines that <c>ignore_regex</c> does not skip), with the header they are read under:
    /// <c>fieldnames</c>, else the first record. For classes that read CSV columns their own way (risk lists).
    /// </summary>
    public IEnumerable<(int Line, IReadOnlyList<string> Header, List<string> Cells)> Records(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = _fieldnames;
        var number = 0;
        while (reader.ReadLine() is { } raw)
        {
            number++;
            if ((_ignore is not null && _ignore.IsMatch(raw)) || raw.Length == 0)
            {
                continue;
            }

            var cells = Split(raw);
            if (header is null)
            {
                header = cells;
                continue;
            }

            yield return (number, header, cells);
        }
    }

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var (number, header, cells) in Records(reader))
        {
            var indicatorColumn = IndexOf(header, "indicator");
            if (indicatorColumn < 0 || indicatorColumn >= cells.Count || string.IsNullOrWhiteSpace(cells[indicatorColumn]))
            {
                report.Error(number, "no indicator column in this row");
                continue;
            }

            var attributes = new JsonObject();
            for (var i = 0; i < header.Count; i++)
            {
                if (i != indicatorColumn && header[i].Length > 0)
                {
                    attributes[header[i]] = i < cells.Count ? JsonValue.Create(cells[i]) : null;
                }
            }

            if (IndicatorCheck.Normalize(cells[indicatorColumn].Trim(), attributes, _defaults, number, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, attributes);
            }
        }
    }

    /// <summary>One CSV record on one line, with Python's quoting rules.</summary>
    internal List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var atStart = true;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (_escape is { } escape && c == escape && i + 1 < line.Length)
            {
                cell.Append(line[++i]);
                atStart = false;
                continue;
            }

            if (quoted)
            {
                if (c == _quote)
                {
                    if (_doubleQuote && i + 1 < line.Length && line[i + 1] == _quote)
                    {
                        cell.Append(_quote);
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    cell.Append(c);
                }

                continue;
            }

            if (c == _delimiter)
            {
                cells.Add(cell.ToString());
                cell.Clear();
                atStart = true;
                continue;
            }

            if (atStart && _skipInitialSpace && c == ' ')
            {
                continue;
            }

            if (atStart && c == _quote)
            {
                quoted = true;
                atStart = false;
                continue;
            }

            cell.Append(c);
            atStart = false;
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static char Char(JsonNode? node, char fallback) =>
        JsonNodeValues.TryGetString(node, out var s) && s.Length == 1 ? s[0] : fallback;
}
