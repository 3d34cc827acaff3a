namespace Minemeld.Streams.Core.Yaml;

/// <summary>
/// Where a YAML syntax error really is, for the two the parser places badly: a tab used for indentation (reported
/// where the token before it ends) and a flow collection that is never closed (reported at the end of the file, or
/// as "invalid state"). Only consulted after the parser has failed, so a heuristic that misses falls back to the
/// parser's own position.
/// </summary>
internal static class YamlSyntaxHints
{
    /// <summary>The first tab in a line's leading whitespace (1-based line and column), or null.</summary>
    public static (int Line, int Column)? IndentationTab(string text)
    {
        var line = 1;
        var column = 1;
        var leading = true;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                (line, column, leading) = (line + 1, 1, true);
                continue;
            }

            if (leading && c == '\t')
            {
                return (line, column);
            }

            leading &= c == ' ';
            column++;
        }

        return null;
    }

    /// <summary>
    /// The innermost '[' or '{' that opens a flow collection and is never closed, outside quotes and comments; a
    /// bracket inside a plain scalar (<c>url: http://x/[a]</c>) does not open one.
    /// </summary>
    public static (char Open, int Line, int Column)? UnclosedFlow(string text)
    {
        var open = new Stack<(char Open, int Line, int Column)>();
        var (line, column) = (1, 0);
        var previous = '\n'; // the last character that is not a space, on this line
        char? quote = null;
        var comment = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                (line, column, previous, comment) = (line + 1, 0, '\n', false);
                continue;
            }

            if (comment)
            {
                continue;
            }

            if (quote is { } q)
            {
                if (c == q && !(q == '"' && i > 0 && text[i - 1] == '\\'))
                {
                    quote = null;
                }

                continue;
            }

            var startsValue = open.Count > 0 || previous is '\n' or ':' or '-' or ',' or '[' or '{' or '?';
            switch (c)
            {
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]):
                    comment = true;
                    continue;
                case '\'' or '"' when startsValue:
                    quote = c;
                    break;
                case '[' or '{' when startsValue:
                    open.Push((c, line, column));
                    break;
                case ']' or '}' when open.Count > 0 && open.Peek().Open == (c == ']' ? '[' : '{'):
                    open.Pop();
                    break;
            }

            if (c != ' ' && c != '\t')
            {
                previous = c;
            }
        }

        return open.Count > 0 ? open.Peek() : null;
    }
}
