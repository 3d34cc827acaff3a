using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// Tokenizer and recursive-descent reader for the condition grammar (<c>attribute comparator literal</c>, or a
/// JMESPath function call on the left; docs/minemeld-engine.md, "Conditions"), for <see cref="Condition.Parse"/>.
/// </summary>
internal ref struct ConditionLexer(string text)
{
    private readonly string _text = text;
    private int _pos;

    public (string Expression, bool IsFunction, string? Attribute) ReadExpression()
    {
        SkipBlanks();
        var name = ReadIdentifier() ?? throw Error("expected an attribute name or a function call");
        SkipBlanks();
        if (!Peek('('))
        {
            return (name, false, name);
        }

        var builder = new StringBuilder(name);
        ReadCall(builder);
        return (builder.ToString(), true, null);
    }

    public Comparator ReadComparator()
    {
        SkipBlanks();
        string[] symbols = ["<=", ">=", "==", "!=", "<", ">"];
        foreach (var symbol in symbols)
        {
            if (_text.AsSpan(_pos).StartsWith(symbol, StringComparison.Ordinal))
            {
                _pos += symbol.Length;
                return symbol switch
                {
                    "<=" => Comparator.LessOrEqual,
                    ">=" => Comparator.GreaterOrEqual,
                    "==" => Comparator.Equal,
                    "!=" => Comparator.NotEqual,
                    "<" => Comparator.Less,
                    _ => Comparator.Greater,
                };
            }
        }

        throw Error("expected a comparator (<, <=, ==, >=, >, !=)");
    }

    public JsonValue? ReadLiteral()
    {
        SkipBlanks();
        if (_pos >= _text.Length)
        {
            throw Error("expected a value (a quoted string, an integer, true, false or null)");
        }

        var c = _text[_pos];
        if (c is '"' or '\'')
        {
            return JsonValue.Create(ReadString(c));
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            return JsonValue.Create(ReadInteger());
        }

        var word = ReadIdentifier();
        return word switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" => null,
            _ => throw Error($"expected a value (a quoted string, an integer, true, false or null), found '{word}'"),
        };
    }

    public void ExpectEnd()
    {
        SkipBlanks();
        if (_pos < _text.Length)
        {
            throw Error($"unexpected '{_text[_pos..]}' after the value");
        }
    }

    /// <summary>
    /// Reads <c>(arg, ...)</c> into JMESPath text: identifiers and nested calls as they are, <c>'x'</c> raw strings
    /// as they are, <c>"x"</c> as a quoted identifier (JMESPath's meaning, as in MineMeld), and integers,
    /// <c>true</c>, <c>false</c>, <c>null</c> as JSON literals (MineMeld passed them on as invalid JMESPath).
    /// </summary>
    private void ReadCall(StringBuilder builder)
    {
        Expect('(');
        builder.Append('(');
        SkipBlanks();
        if (Peek(')'))
        {
            _pos++;
            builder.Append(')');
            return;
        }

        var first = true;
        while (true)
        {
            SkipBlanks();
            ReadArgument(builder, first);
            first = false;
            SkipBlanks();
            if (Peek(')'))
            {
                _pos++;
                builder.Append(')');
                return;
            }

            Expect(',');
            builder.Append(", ");
        }
    }

    private void ReadArgument(StringBuilder builder, bool first)
    {
        if (_pos >= _text.Length)
        {
            throw Error("unterminated function call");
        }

        var c = _text[_pos];
        if (c is '\'' or '"')
        {
            if (first)
            {
                throw Error("the first argument of a function must be an attribute or a function call");
            }

            var s = ReadString(c);
            builder.Append(c).Append(s).Append(c);
            return;
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            if (first)
            {
                throw Error("the first argument of a function must be an attribute or a function call");
            }

            builder.Append('`').Append(ReadInteger().ToString(CultureInfo.InvariantCulture)).Append('`');
            return;
        }

        var name = ReadIdentifier() ?? throw Error("expected a function argument");
        SkipBlanks();
        if (Peek('('))
        {
            builder.Append(name);
            ReadCall(builder);
        }
        else if (!first && name is "true" or "false" or "null")
        {
            builder.Append('`').Append(name).Append('`');
        }
        else
        {
            builder.Append(name);
        }
    }

    private string? ReadIdentifier()
    {
        var start = _pos;
        if (_pos < _text.Length && (char.IsAsciiLetter(_text[_pos]) || _text[_pos] is '_' or '$'))
        {
            _pos++;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '$'))
            {
                _pos++;
            }
        }

        return _pos > start ? _text[start.._pos] : null;
    }

    private string ReadString(char quote)
    {
        var start = ++_pos;
        while (_pos < _text.Length && _text[_pos] != quote)
        {
            if (_text[_pos] == '\\')
            {
                throw Error("strings cannot contain a backslash");
            }

            _pos++;
        }

        if (_pos >= _text.Length)
        {
            throw Error($"unterminated string starting at column {start}");
        }

        return _text[start.._pos++];
    }

    private long ReadInteger()
    {
        var start = _pos;
        if (Peek('-'))
        {
            _pos++;
        }

        var digitsStart = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        var digits = _text[digitsStart.._pos];
        if (digits.Length == 0 || (digits.Length > 1 && digits[0] == '0'))
        {
            throw Error("integers have no leading zeros");
        }

        if (_pos < _text.Length && _text[_pos] is '.' or 'e' or 'E')
        {
            throw Error("only integers are allowed, not decimals");
        }

        return long.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error("integer out of range");
    }

    private void SkipBlanks()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private readonly bool Peek(char c) => _pos < _text.Length && _text[_pos] == c;

    private void Expect(char c)
    {
        if (!Peek(c))
        {
            throw Error($"expected '{c}'");
        }

        _pos++;
    }

    private readonly ConditionSyntaxException Error(string message) =>
        new($"{message} at column {_pos + 1} of '{_text}'");
}
