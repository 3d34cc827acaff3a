using System.Text;
using System.Text.RegularExpressions;

namespace Minemeld.Streams.Core.Text;

/// <summary>
/// MineMeld's regexes and templates are Python's (docs/minemeld-engine.md, "Python regexes and templates"). This turns
/// them into .NET ones:
/// <list type="bullet">
/// <item><c>(?P&lt;name&gt;…)</c> → <c>(?&lt;name&gt;…)</c>, <c>(?P=name)</c> → <c>\k&lt;name&gt;</c>;</item>
/// <item><c>\d \w \s</c> (and negations) are ASCII-only, as in Python 2 byte strings;</item>
/// <item>templates <c>\1</c>, <c>\g&lt;1&gt;</c>, <c>\g&lt;name&gt;</c>, <c>\g&lt;0&gt;</c> → <c>${1}</c>, <c>${name}</c>,
/// <c>$0</c>, with literal <c>$</c> escaped.</item>
/// </list>
/// Every regex gets a match timeout: feed content is untrusted input.
/// </summary>
public static class PythonRegex
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Compiles a Python pattern; throws <see cref="ArgumentException"/> with the reason when invalid.
    /// </summary>
    public static Regex Compile(string pattern) =>
        new(Translate(pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);

    public static bool TryCompile(string pattern, out Regex? regex, out string? error)
    {
        try
        {
            regex = new Regex(Translate(pattern), RegexOptions.CultureInvariant, MatchTimeout);
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            regex = null;
            error = ex.Message;
            return false;
        }
    }

    public static string Translate(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var sb = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                sb.Append(next switch
                {
                    'd' => inClass ? "0-9" : "[0-9]",
                    'D' => inClass ? @"\D" : "[^0-9]",
                    'w' => inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]",
                    'W' => inClass ? @"\W" : "[^a-zA-Z0-9_]",
                    's' => inClass ? @" \t\n\r\f\v" : @"[ \t\n\r\f\v]",
                    'S' => inClass ? @"\S" : @"[^ \t\n\r\f\v]",
                    _ => $"\\{next}",
                });
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal member in both dialects.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(@"\]");
                    i++;
                }

                continue;
            }

            if (c == '(' && pattern.AsSpan(i).StartsWith("(?P<", StringComparison.Ordinal))
            {
                sb.Append("(?<");
                i += 3;
                continue;
            }

            if (c == '(' && pattern.AsSpan(i).StartsWith("(?P=", StringComparison.Ordinal))
            {
                var close = pattern.IndexOf(')', i);
                if (close > 0)
                {
                    sb.Append(@"\k<").Append(pattern, i + 4, close - i - 4).Append('>');
                    i = close;
                    continue;
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Turns a Python replacement template into a .NET one.</summary>
    public static string TranslateTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var sb = new StringBuilder(template.Length + 8);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '$')
            {
                sb.Append("$$");
                continue;
            }

            if (c != '\\' || i + 1 >= template.Length)
            {
                sb.Append(c);
                continue;
            }

            var next = template[i + 1];
            if (char.IsAsciiDigit(next))
            {
                var end = i + 1;
                while (end < template.Length && end - i <= 2 && char.IsAsciiDigit(template[end]))
                {
                    end++;
                }

                sb.Append("${").Append(template, i + 1, end - i - 1).Append('}');
                i = end - 1;
            }
            else if (next == 'g' && i + 2 < template.Length && template[i + 2] == '<' && template.IndexOf('>', i) is var close && close > 0)
            {
                sb.Append("${").Append(template, i + 3, close - i - 3).Append('}');
                i = close;
            }
            else
            {
                sb.Append(next switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    _ => next,
                });
                i++;
            }
        }

        return sb.ToString();
    }
}
