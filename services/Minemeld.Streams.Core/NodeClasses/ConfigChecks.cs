using System.Globalization;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Filters;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners;
using Minemeld.Streams.Core.Text;

namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>The value checks node-class schemas are built from.</summary>
public static class ConfigChecks
{
    public static ConfigCheck Any { get; } = static (_, _, _) => { };

    public static ConfigCheck Bool { get; } = static (v, p, i) => Expect(JsonNodeValues.TryGetBoolean(v, out _), v, p, i, "a boolean (true or false)");

    public static ConfigCheck AnyString { get; } = static (v, p, i) => Expect(JsonNodeValues.TryGetString(v, out _), v, p, i, "a string");

    public static ConfigCheck Mapping { get; } = static (v, p, i) => Expect(v is JsonObject, v, p, i, "a mapping");

    public static ConfigCheck StringList { get; } = static (v, p, i) =>
    {
        if (v is not JsonArray list)
        {
            i.Error(p, $"must be a list of strings, not {JsonNodeValues.Describe(v)}");
            return;
        }

        for (var k = 0; k < list.Count; k++)
        {
            if (!JsonNodeValues.TryGetString(list[k], out _))
            {
                i.Error($"{p}/{k.ToString(CultureInfo.InvariantCulture)}", $"must be a string, not {JsonNodeValues.Describe(list[k])}");
            }
        }
    };

    public static ConfigCheck Character { get; } = static (v, p, i) =>
        Expect(JsonNodeValues.TryGetString(v, out var s) && s.Length == 1, v, p, i, "a single character");

    public static ConfigCheck StringMapping { get; } = static (v, p, i) =>
    {
        if (v is not JsonObject map)
        {
            i.Error(p, $"must be a mapping of names to strings, not {JsonNodeValues.Describe(v)}");
            return;
        }

        foreach (var (key, value) in map)
        {
            if (!JsonNodeValues.TryGetString(value, out _) && !JsonNodeValues.IsNumber(value))
            {
                i.Error($"{p}/{key}", $"must be a string, not {JsonNodeValues.Describe(value)}");
            }
        }
    };

    /// <summary>
    /// http(s) URLs, and <c>file:</c> URLs for offline feeds (relative paths resolve against the graph file).
    /// </summary>
    public static ConfigCheck Url { get; } = static (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetString(v, out var s) || s.Length == 0)
        {
            i.Error(p, $"must be a URL, not {JsonNodeValues.Describe(v)}");
            return;
        }

        if (s.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            i.Error(p, $"'{s}' is not an http(s) or file: URL");
        }
    };

    public static ConfigCheck Pattern { get; } = static (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetString(v, out var pattern))
        {
            i.Error(p, $"must be a regular expression (string), not {JsonNodeValues.Describe(v)}");
        }
        else if (!PythonRegex.TryCompile(pattern, out _, out var error))
        {
            i.Error(p, $"bad regex '{pattern}': {error}");
        }
    };

    /// <summary>An extraction dict: <c>{regex, transform}</c>; the regex is required.</summary>
    public static ConfigCheck Extraction { get; } = static (v, p, i) =>
    {
        if (v is not JsonObject map)
        {
            i.Error(p, $"must be a mapping with regex and transform, not {JsonNodeValues.Describe(v)}");
            return;
        }

        if (!map.ContainsKey("regex"))
        {
            i.Error(p, "regex is required");
        }
        else
        {
            Pattern(map["regex"], $"{p}/regex", i);
        }

        if (map.TryGetPropertyValue("transform", out var transform) && transform is not null)
        {
            AnyString(transform, $"{p}/transform", i);
        }

        foreach (var (key, _) in map)
        {
            if (key is not ("regex" or "transform"))
            {
                i.Warning($"{p}/{key}", $"unknown key '{key}' (an extraction has regex and transform)");
            }
        }
    };

    public static ConfigCheck Extractions { get; } = static (v, p, i) =>
    {
        if (v is not JsonObject map)
        {
            i.Error(p, $"must be a mapping of attribute names to extractions, not {JsonNodeValues.Describe(v)}");
            return;
        }

        foreach (var (key, value) in map)
        {
            Extraction(value, $"{p}/{key}", i);
        }
    };

    public static ConfigCheck FilterList { get; } = static (v, p, i) =>
        FilterSet.FromConfig(v, (at, message) => i.Error(Join(p, at), message), (at, message) => i.Warning(Join(p, at), message));

    public static ConfigCheck JmesPathText { get; } = static (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetString(v, out var text))
        {
            i.Error(p, $"must be a JMESPath expression (string), not {JsonNodeValues.Describe(v)}");
            return;
        }

        try
        {
            new DevLab.JmesPath.JmesPath().Parse(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            i.Error(p, $"bad JMESPath expression '{text}': {ex.Message}");
        }
    };

    /// <summary>The <c>age_out</c> mapping: interval, sudden_death, default, and per-indicator-type policies.</summary>
    public static ConfigCheck AgeOut { get; } = static (v, p, i) =>
    {
        if (v is not JsonObject map)
        {
            i.Error(p, $"must be a mapping (interval, sudden_death, default, <type>), not {JsonNodeValues.Describe(v)}");
            return;
        }

        foreach (var (key, value) in map)
        {
            var at = $"{p}/{key}";
            switch (key)
            {
                case "interval":
                    if (value is not null)
                    {
                        WholeNumber(1, int.MaxValue)(value, at, i);
                    }

                    break;
                case "sudden_death":
                    Bool(value, at, i);
                    break;
                default:
                    if (key != "default" && !IndicatorTypes.IsKnown(key))
                    {
                        i.Error(at, $"unknown key '{key}' (age_out has interval, sudden_death, default and indicator types)");
                        break;
                    }

                    if (value is not null && !JsonNodeValues.TryGetString(value, out _))
                    {
                        i.Error(at, $"must be an age-out expression or null, not {JsonNodeValues.Describe(value)}");
                    }
                    else if (!AgeOutExpression.TryParse(value is null ? null : value.GetValue<string>(), out _, out var error))
                    {
                        i.Error(at, $"bad age-out expression: {error}");
                    }

                    break;
            }
        }
    };

    public static ConfigCheck WholeNumber(long min, long max) => (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetInt64(v, out var n))
        {
            i.Error(p, $"must be an integer, not {JsonNodeValues.Describe(v)}");
        }
        else if (n < min || n > max)
        {
            i.Error(p, $"must be between {min} and {max}, not {n}");
        }
    };

    public static ConfigCheck Number(double min) => (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetDouble(v, out var n))
        {
            i.Error(p, $"must be a number, not {JsonNodeValues.Describe(v)}");
        }
        else if (n < min)
        {
            i.Error(p, $"must be at least {min.ToString(CultureInfo.InvariantCulture)}, not {n.ToString(CultureInfo.InvariantCulture)}");
        }
    };

    /// <summary>A length of time: seconds, or <c>N[s|m|h|d]</c> (<see cref="Miners.Duration"/>).</summary>
    public static ConfigCheck DurationValue { get; } = static (v, p, i) =>
    {
        if (!Miners.Duration.TryParseSeconds(v, out _, out var error))
        {
            i.Error(p, error!);
        }
    };

    /// <summary>A string that is one of <paramref name="choices"/> (ignoring case).</summary>
    public static ConfigCheck OneOf(params string[] choices) => (v, p, i) =>
    {
        if (!JsonNodeValues.TryGetString(v, out var text) || !choices.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            i.Error(p, $"must be one of {string.Join(", ", choices)}, not {JsonNodeValues.Describe(v)}");
        }
    };

    /// <summary>Accepts null as well as whatever <paramref name="check"/> accepts.</summary>
    public static ConfigCheck OrNull(this ConfigCheck check) => (v, p, i) =>
    {
        if (v is not null)
        {
            check(v, p, i);
        }
    };

    /// <summary>Accepts values either check accepts; reports the first check's complaint otherwise.</summary>
    public static ConfigCheck Or(this ConfigCheck first, ConfigCheck second) => (v, p, i) =>
    {
        var trial = new ConfigIssues();
        first(v, p, trial);
        if (trial.Errors.Count == 0)
        {
            return;
        }

        var other = new ConfigIssues();
        second(v, p, other);
        if (other.Errors.Count > 0)
        {
            i.Errors.AddRange(trial.Errors);
        }
    };

    private static void Expect(bool ok, JsonNode? value, string path, ConfigIssues issues, string what)
    {
        if (!ok)
        {
            issues.Error(path, $"must be {what}, not {JsonNodeValues.Describe(value)}");
        }
    }

    private static string Join(string path, string below) => below.Length == 0 ? path : $"{path}/{below}";
}
