using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Text;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// MineMeld's HttpFT line parsing (docs/minemeld-engine.md, "Line feeds (HttpFT)"): lines split on \n, \r\n or \r;
/// <c>ignore_regex</c> matched at the start of the raw line; trimmed; the indicator is the first token, or the
/// <c>indicator</c> extraction; each field extraction searches the trimmed line and an integer-looking result becomes
/// an integer.
/// </summary>
public sealed class LineFeedParser
{
    private readonly Regex? _ignore;
    private readonly Extraction? _indicator;
    private readonly List<(string Name, Extraction Extraction)> _fields = [];
    private readonly JsonObject _defaults;

    public LineFeedParser(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (JsonNodeValues.TryGetString(config["ignore_regex"], out var ignore))
        {
            // Python's re.match: anchored at the start of the raw line.
            _ignore = PythonRegex.Compile($"^(?:{ignore})");
        }

        _indicator = Extraction.FromConfig(config["indicator"]);
        if (config["fields"] is JsonObject fields)
        {
            foreach (var (name, node) in fields)
            {
                if (Extraction.FromConfig(node) is { } extraction)
                {
                    _fields.Add((name, extraction));
                }
            }
        }

        _defaults = config["attributes"] as JsonObject ?? [];
    }

    public IEnumerable<FeedItem> Parse(TextReader reader, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(report);
        var number = 0;
        while (reader.ReadLine() is { } raw)
        {
            number++;
            if (_ignore is not null && Matches(_ignore, raw))
            {
                continue;
            }

            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string? indicator;
            if (_indicator is null)
            {
                var blank = line.AsSpan().IndexOfAny(' ', '\t');
                indicator = blank < 0 ? line : line[..blank];
            }
            else
            {
                indicator = _indicator.Apply(line);
                if (string.IsNullOrEmpty(indicator))
                {
                    continue;
                }
            }

            var attributes = new JsonObject();
            foreach (var (name, extraction) in _fields)
            {
                if (extraction.Apply(line) is { } text)
                {
                    attributes[name] = long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) ? JsonValue.Create(integer) : JsonValue.Create(text);
                }
            }

            if (IndicatorCheck.Normalize(indicator, attributes, _defaults, number, report) is { } normalized)
            {
                report.Item();
                yield return new FeedItem(normalized, attributes);
            }
        }
    }

    private static bool Matches(Regex regex, string line)
    {
        try
        {
            return regex.IsMatch(line);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
