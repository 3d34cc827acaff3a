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
    /// <summary>
    /// The source name a miner of this class gets when its config names none (MineMeld's vendor miners fixed theirs).
    /// </summary>
    public string? DefaultSourceName { get; init; }

    /// <summary>
    /// Poller settings the class has by default, under the node's own (a syslog miner polls every few seconds and
    /// keeps a sighting an hour after it was last seen, where feeds default to an hour and sudden death).
    /// </summary>
    public JsonObject? PollerDefaults { get; init; }

    /// <summary>
    /// Keys a node needs before it does anything, that MineMeld's own prototypes leave empty for the operator to fill:
    /// a warning when missing.
    /// </summary>
    public IReadOnlySet<string> Expected { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Checks a resolved config; unknown keys are warnings (MineMeld ignored them, a typo is likely).
    /// </summary>
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

        foreach (var key in Expected)
        {
            if (config[key] is null)
            {
                issues.Warning(key, $"{key} is not set: the node polls nothing until it is");
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
