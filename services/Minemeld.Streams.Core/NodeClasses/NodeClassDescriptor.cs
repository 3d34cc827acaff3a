using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>
/// A node class the engine implements: its MineMeld name, its role, the indicator type it forces (list miners),
/// and the schema of its config (known keys with their checks, and the required ones).
/// </summary>
public sealed record NodeClassDescriptor(
    string Name,
    NodeKind Kind,
    IReadOnlyDictionary<string, ConfigCheck> Keys,
    IReadOnlySet<string> Required,
    string Description,
    string? ForcedIndicatorType = null)
{
    /// <summary>Checks a resolved config; unknown keys are warnings (MineMeld ignored them, a typo is likely).</summary>
    public ConfigIssues Check(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var issues = new ConfigIssues();
        foreach (var key in Required)
        {
            if (!config.ContainsKey(key) || config[key] is null)
            {
                issues.Error(key, $"{key} is required by {Name}");
            }
        }

        foreach (var (key, value) in config)
        {
            if (Keys.TryGetValue(key, out var check))
            {
                if (value is not null || !Required.Contains(key))
                {
                    check(value, key, issues);
                }
            }
            else
            {
                issues.Warning(key, $"unknown config key '{key}' for {Name} (ignored)");
            }
        }

        return issues;
    }
}
