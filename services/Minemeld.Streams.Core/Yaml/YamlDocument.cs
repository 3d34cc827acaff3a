using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Minemeld.Streams.Core.Yaml;

/// <summary>
/// Reads one YAML document into <see cref="JsonNode"/>s with a <see cref="SourceMap"/>. Plain scalars are typed
/// as PyYAML (YAML 1.1) types them, since MineMeld's files were written for PyYAML: <c>~</c>/<c>null</c>/empty
/// are null; <c>true/false/yes/no/on/off</c> are booleans; integers and floats are numbers; timestamps stay
/// strings (as MineMeld kept them). Quoted or <c>!!str</c> scalars are strings. Merge keys (<c>&lt;&lt;</c>) and
/// aliases are expanded; an explicit key overrides a merged one, as YAML specifies.
/// </summary>
public static class YamlDocument
{
    public static (JsonNode? Root, SourceMap Map) Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var map = new SourceMap(source);
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(new Parser(reader));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            // The scanner notices a tab where the token it was reading ends, often a line early: point at the tab.
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && YamlSyntaxHints.IndentationTab(text) is var (tabLine, tabColumn))
            {
                throw new YamlLoadException("a tab in the indentation (YAML indents with spaces only)", new SourceLocation(source, tabLine, tabColumn), ex);
            }

            if (YamlSyntaxHints.UnclosedFlow(text) is var (open, line, column) && message.Contains("did not find expected", StringComparison.Ordinal))
            {
                throw new YamlLoadException($"'{open}' is never closed", new SourceLocation(source, line, column), ex);
            }

            throw new YamlLoadException(message, new SourceLocation(source, (int)ex.Start.Line, (int)ex.Start.Column), ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way when the text ends inside a flow collection or a quoted scalar:
            // point at the bracket that is never closed when there is one, else at the end.
            if (YamlSyntaxHints.UnclosedFlow(text) is var (open, line, column))
            {
                throw new YamlLoadException($"'{open}' is never closed", new SourceLocation(source, line, column), ex);
            }

            var lastLine = text.AsSpan().TrimEnd().Count('\n') + 1;
            throw new YamlLoadException("unexpected end of the document (an unclosed quote?)", new SourceLocation(source, lastLine, 1), ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // YamlDotNet's node builder refuses some event sequences its parser accepts (found by fuzzing: an
            // ArgumentException, "unsupported type"): any such failure of the library is the document's syntax,
            // reported where the parser was when the builder gave up.
            var (line, column) = LastEventStart(text);
            throw new YamlLoadException("this YAML structure is not supported here (a stray indicator or a node out of place?)", new SourceLocation(source, line, column), ex);
        }

        if (stream.Documents.Count == 0)
        {
            return (null, map);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new YamlLoadException("only one YAML document is allowed per file", new SourceLocation(source, (int)second.Line, (int)second.Column));
        }

        var root = stream.Documents[0].RootNode;
        return (Convert(root, string.Empty, map), map);
    }

    /// <summary>Where the last event the parser produced starts (1-based), for errors raised after parsing.</summary>
    private static (int Line, int Column) LastEventStart(string text)
    {
        var parser = new Parser(new StringReader(text));
        var (line, column) = (1, 1);
        try
        {
            while (parser.MoveNext())
            {
                (line, column) = ((int)parser.Current!.Start.Line, (int)parser.Current.Start.Column);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The events before it are what the builder saw.
        }

        return (line, column);
    }

    public static (JsonNode? Root, SourceMap Map) Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new YamlLoadException($"cannot read: {ex.Message}", new SourceLocation(path, 0, 0), ex);
        }

        return Parse(text, path);
    }

    private static JsonNode? Convert(YamlNode node, string path, SourceMap map)
    {
        map.Add(path, new SourceLocation(map.Source, (int)node.Start.Line, (int)node.Start.Column));
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (IsMergeKey(keyNode))
                    {
                        continue;
                    }

                    var key = keyNode is YamlScalarNode scalarKey ? scalarKey.Value ?? "null" : keyNode.ToString();
                    var childPath = path.Length == 0 ? key : $"{path}/{key}";
                    obj[key] = Convert(valueNode, childPath, map);
                }

                // Merge keys (<<): explicit keys win; with a list of sources, earlier sources win over later ones.
                foreach (var (keyNode, valueNode) in mapping.Children.Where(static c => IsMergeKey(c.Key)))
                {
                    IEnumerable<YamlNode> sources = valueNode is YamlSequenceNode list ? list.Children : [valueNode];
                    foreach (var merged in sources)
                    {
                        if (Convert(merged, path + "/<<", map) is not JsonObject mergedObject)
                        {
                            throw new YamlLoadException("a merge key (<<) takes a mapping or a list of mappings", new SourceLocation(map.Source, (int)merged.Start.Line, (int)merged.Start.Column));
                        }

                        foreach (var (key, value) in mergedObject.ToList())
                        {
                            if (!obj.ContainsKey(key))
                            {
                                mergedObject.Remove(key);
                                obj[key] = value;
                            }
                        }
                    }
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, $"{path}/{index.ToString(CultureInfo.InvariantCulture)}", map));
                    index++;
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlLoadException($"unsupported YAML node {node.NodeType}", map.Find(path));
        }
    }

    private static bool IsMergeKey(YamlNode key) => key is YamlScalarNode { Value: "<<", Style: ScalarStyle.Plain or ScalarStyle.Any };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }

        var digits = value.Replace("_", string.Empty, StringComparison.Ordinal);
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) &&
            !(digits.TrimStart('+', '-').Length > 1 && digits.TrimStart('+', '-')[0] == '0'))
        {
            return JsonValue.Create(integer);
        }

        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (digits.Length > 1 && digits[0] == '0' && digits.All(char.IsAsciiDigit) && digits.All(static c => c < '8'))
        {
            return JsonValue.Create(System.Convert.ToInt64(digits, 8));
        }

        if (LooksLikeFloat(digits) && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }

    private static bool LooksLikeFloat(string text)
    {
        var body = text.TrimStart('+', '-');
        return body.Length > 0 && (char.IsAsciiDigit(body[0]) || body[0] == '.') &&
               body.Any(char.IsAsciiDigit) && body.All(static c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-') &&
               body.Contains('.', StringComparison.Ordinal); // PyYAML's floats need a dot: 1e5 is a string.
    }
}
