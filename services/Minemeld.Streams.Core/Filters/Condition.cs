using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using Minemeld.Streams.Core.Json;
using Newtonsoft.Json.Linq;

namespace Minemeld.Streams.Core.Filters;

/// <summary>
/// One filter condition, <c>expression comparator value</c> (docs/minemeld-engine.md, "Conditions"): the expression is
/// an attribute name or a JMESPath function call such as <c>length(sources)</c>, <c>type(sources)</c> or
/// <c>starts_with(type, 'IP')</c>; the value is a string, an integer, <c>true</c>, <c>false</c> or <c>null</c>.
/// <para>
/// Comparisons are typed (docs/minemeld-compatibility.md, difference 2): a missing attribute makes <c>&lt; &lt;= &gt;
/// &gt;=</c> and <c>== non-null</c> false and <c>== null</c> true; integers and booleans are different types; values of
/// different types are never ordered. A JMESPath error, or the string <c>"null"</c> that JMESPath's <c>type()</c>
/// returns, counts as null.
/// </para>
/// </summary>
public sealed class Condition
{
    private static readonly JmesPath JmesPath = new();

    private readonly string? _attribute;
    private readonly byte[]? _attributeUtf8;
    private readonly JmesPathExpression? _function;
    private readonly JsonValueKind _literalKind;
    private readonly double _literalNumber;
    private readonly string? _literalString;

    private Condition(string text, string expression, string? attribute, JmesPathExpression? function, Comparator comparator, JsonNode? literal)
    {
        Text = text;
        Expression = expression;
        _attribute = attribute;
        _function = function;
        Comparator = comparator;
        Literal = literal;
        _attributeUtf8 = attribute is null ? null : Encoding.UTF8.GetBytes(attribute);
        _literalKind = JsonNodeValues.Kind(literal);
        JsonNodeValues.TryGetDouble(literal, out _literalNumber);
        _literalString = JsonNodeValues.TryGetString(literal, out var literalText) ? literalText : null;
    }

    public string Text { get; }

    /// <summary>The expression as evaluated (JMESPath text for function calls).</summary>
    public string Expression { get; }

    public Comparator Comparator { get; }

    public JsonNode? Literal { get; }

    /// <summary>
    /// Parses a condition; throws <see cref="ConditionSyntaxException"/> naming the problem and column.
    /// </summary>
    public static Condition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lexer = new ConditionLexer(text);
        var (expression, isFunction, attribute) = lexer.ReadExpression();
        var comparator = lexer.ReadComparator();
        var literal = lexer.ReadLiteral();
        lexer.ExpectEnd();
        JmesPathExpression? function = null;
        if (isFunction)
        {
            try
            {
                function = JmesPath.Parse(expression);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ConditionSyntaxException($"'{expression}' is not a valid JMESPath expression: {ex.Message}", ex);
            }
        }

        return new Condition(text, expression, attribute, function, comparator, literal);
    }

    public bool Evaluate(in FilterContext context) =>
        TryEvaluateInPlace(context, out var result) ? result : Compare(Resolve(context), Comparator, Literal);

    /// <summary>
    /// <see cref="Compare"/> without building the actual value as a node, for what filters test on every message: a
    /// pseudo-attribute (<c>__method</c>, ...) or a scalar attribute of a value kept as UTF-8. False when the value is
    /// a tree, a function, or an attribute that is an object, an array or a number no double holds (the node path
    /// decides those).
    /// </summary>
    private bool TryEvaluateInPlace(in FilterContext context, out bool result)
    {
        result = false;
        switch (_attribute)
        {
            case null:
                return false;
            case FilterContext.IndicatorKey:
                result = CompareString(context.Indicator);
                return true;
            case FilterContext.MethodKey:
                result = CompareString(context.Method);
                return true;
            case FilterContext.OriginKey:
                result = CompareString(context.Origin);
                return true;
        }

        if (context.Value.HasTree)
        {
            return false;
        }

        var utf8 = context.Value.Utf8;
        if (utf8.IsEmpty || !Utf8PropertyIndex.TryFindLast(context.Utf8Properties, utf8, _attributeUtf8, out var reader))
        {
            result = CompareKind(JsonValueKind.Null);
            return true;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                result = CompareKind(JsonValueKind.Null);
                return true;
            case JsonTokenType.True:
                result = CompareKind(JsonValueKind.True);
                return true;
            case JsonTokenType.False:
                result = CompareKind(JsonValueKind.False);
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var integer):
                result = CompareNumber(integer);
                return true;
            case JsonTokenType.Number when reader.TryGetDouble(out var number) && double.IsFinite(number):
                result = CompareNumber(number);
                return true;
            case JsonTokenType.String when Comparator is Comparator.Equal or Comparator.NotEqual:
                var equal = _literalString is not null && reader.ValueTextEquals(_literalString);
                result = Comparator == Comparator.Equal ? equal : !equal;
                return true;
            case JsonTokenType.String:
                result = CompareString(reader.GetString()!);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A value that is only its kind (null, true, false): equal to the same kind alone, never ordered.
    /// </summary>
    private bool CompareKind(JsonValueKind kind) => Comparator switch
    {
        Comparator.Equal => _literalKind == kind,
        Comparator.NotEqual => _literalKind != kind,
        _ => false,
    };

    private bool CompareString(string actual)
    {
        if (_literalString is null)
        {
            // A string equals no other type and is never ordered against one.
            return Comparator == Comparator.NotEqual;
        }

        return Ordered(Comparator, string.CompareOrdinal(actual, _literalString));
    }

    private bool CompareNumber(double actual)
    {
        if (_literalKind != JsonValueKind.Number)
        {
            return Comparator == Comparator.NotEqual;
        }

        return Ordered(Comparator, actual.CompareTo(_literalNumber));
    }

    private static bool Ordered(Comparator comparator, int order) => comparator switch
    {
        Comparator.Equal => order == 0,
        Comparator.NotEqual => order != 0,
        Comparator.Less => order < 0,
        Comparator.LessOrEqual => order <= 0,
        Comparator.Greater => order > 0,
        _ => order >= 0,
    };

    /// <summary>The value of the expression in this context (null when missing or on a JMESPath error).</summary>
    public JsonNode? Resolve(in FilterContext context)
    {
        if (_attribute is not null)
        {
            return context.Lookup(_attribute);
        }

        JToken? result;
        try
        {
            var input = JToken.Parse(context.ToObject().ToJsonString());
            result = _function!.Transform(input).AsJToken();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }

        if (result is null || result.Type == JTokenType.Null || (result.Type == JTokenType.String && (string?)result == "null"))
        {
            return null;
        }

        return JsonNode.Parse(result.ToString(Newtonsoft.Json.Formatting.None));
    }

    /// <summary>The typed comparison of docs/minemeld-compatibility.md, difference 2.</summary>
    public static bool Compare(JsonNode? actual, Comparator comparator, JsonNode? literal)
    {
        switch (comparator)
        {
            case Comparator.Equal:
                return AreEqual(actual, literal);
            case Comparator.NotEqual:
                return !AreEqual(actual, literal);
        }

        int order;
        if (JsonNodeValues.TryGetDouble(actual, out var a) && JsonNodeValues.TryGetDouble(literal, out var b))
        {
            order = a.CompareTo(b);
        }
        else if (JsonNodeValues.TryGetString(actual, out var s) && JsonNodeValues.TryGetString(literal, out var t))
        {
            order = string.CompareOrdinal(s, t);
        }
        else
        {
            return false;
        }

        return Ordered(comparator, order);
    }

    private static bool AreEqual(JsonNode? actual, JsonNode? literal)
    {
        if (literal is null || actual is null)
        {
            return literal is null && actual is null;
        }

        if (JsonNodeValues.TryGetDouble(actual, out var a) && JsonNodeValues.TryGetDouble(literal, out var b))
        {
            return a == b;
        }

        return JsonNodeValues.Kind(actual) == JsonNodeValues.Kind(literal) && JsonNode.DeepEquals(actual, literal);
    }

    public override string ToString() => Text;
}
