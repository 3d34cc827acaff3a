using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Text;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>An extraction dict (<c>{regex, transform}</c>): search anywhere in the line, expand the template.</summary>
public sealed class Extraction
{
    private readonly Regex _regex;
    private readonly string _template;

    private Extraction(Regex regex, string template)
    {
        _regex = regex;
        _template = template;
    }

    public static Extraction? FromConfig(JsonNode? node)
    {
        if (node is not JsonObject obj || !JsonNodeValues.TryGetString(obj["regex"], out var pattern))
        {
            return null;
        }

        var template = JsonNodeValues.TryGetString(obj["transform"], out var t) ? t : @"\g<0>";
        return new Extraction(PythonRegex.Compile(pattern), PythonRegex.TranslateTemplate(template));
    }

    /// <summary>The expanded template, or null when the regex finds nothing (or takes too long).</summary>
    public string? Apply(string line)
    {
        try
        {
            var match = _regex.Match(line);
            return match.Success ? match.Result(_template) : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
