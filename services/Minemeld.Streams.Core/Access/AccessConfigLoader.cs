using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Access;

/// <summary>
/// Reads and validates a users file against its graph: tagged feeds must be feed outputs of the graph, names
/// must be sane, each user needs exactly one password source, clear-text passwords are flagged.
/// </summary>
public static partial class AccessConfigLoader
{
    [GeneratedRegex("^[a-zA-Z0-9_.@-]{1,64}$")]
    private static partial Regex UserName();

    public static (AccessConfig? Config, IReadOnlyList<GraphDiagnostic> Diagnostics) Parse(string text, string source, NodeGraph? graph)
    {
        var diagnostics = new List<GraphDiagnostic>();
        JsonNode? root;
        SourceMap map;
        try
        {
            (root, map) = YamlDocument.Parse(text, source);
        }
        catch (YamlLoadException ex)
        {
            return (null, [GraphDiagnostic.InvalidYaml(ex)]);
        }

        void Report(DiagnosticSeverity severity, string? key, string path, string message) =>
            diagnostics.Add(new GraphDiagnostic(severity, null, key, message, map.Find(path)));

        if (root is not (null or JsonObject))
        {
            Report(DiagnosticSeverity.Error, null, string.Empty, "a users file is a mapping (feeds_auth_enabled, feeds, feed_users, admin_users)");
            return (null, diagnostics);
        }

        var top = root as JsonObject ?? [];
        foreach (var (key, _) in top)
        {
            if (key is not ("feeds_auth_enabled" or "feeds" or "feed_users" or "admin_users"))
            {
                Report(DiagnosticSeverity.Warning, key, key, $"unknown key '{key}' (ignored)");
            }
        }

        var authEnabled = true;
        if (top["feeds_auth_enabled"] is { } flag && !JsonNodeValues.TryGetBoolean(flag, out authEnabled))
        {
            Report(DiagnosticSeverity.Error, "feeds_auth_enabled", "feeds_auth_enabled", "must be true or false");
        }

        var feedTags = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (top["feeds"] is JsonObject feeds)
        {
            foreach (var (feed, attributes) in feeds)
            {
                var path = $"feeds/{feed}";
                if (graph is not null && (!graph.TryGetNode(feed, out var node) || !node.IsFeed))
                {
                    Report(DiagnosticSeverity.Error, path.Replace('/', '.'), path, $"'{feed}' is not a feed output of graph '{graph.Name}'");
                }

                feedTags[feed] = Tags(attributes, path, Report);
            }
        }
        else if (top["feeds"] is not null)
        {
            Report(DiagnosticSeverity.Error, "feeds", "feeds", "feeds is a mapping of output node names to {tags: [...]}");
        }

        var feedUsers = Users(top["feed_users"], "feed_users", Report);
        var adminUsers = Users(top["admin_users"], "admin_users", Report);
        if (graph is not null && authEnabled)
        {
            foreach (var node in graph.Nodes.Where(static n => n.IsFeed))
            {
                if (!feedTags.ContainsKey(node.Name))
                {
                    Report(DiagnosticSeverity.Warning, "feeds", "feeds", $"feed '{node.Name}' has no tags: only admins can read it");
                }
            }
        }

        var ok = !diagnostics.Any(static d => d.IsError);
        return (ok ? new AccessConfig(authEnabled, feedTags, feedUsers, adminUsers) : null, diagnostics);
    }

    private static List<string> Tags(JsonNode? attributes, string path, Action<DiagnosticSeverity, string?, string, string> report)
    {
        var tags = new List<string>();
        if (attributes is not JsonObject obj || obj["tags"] is not JsonArray list)
        {
            report(DiagnosticSeverity.Error, path.Replace('/', '.'), path, "expected {tags: [...]}");
            return tags;
        }

        foreach (var tag in list)
        {
            if (JsonNodeValues.TryGetString(tag, out var t) && t.Length > 0)
            {
                tags.Add(t);
            }
            else
            {
                report(DiagnosticSeverity.Error, path.Replace('/', '.') + ".tags", $"{path}/tags", "a tag is a non-empty string");
            }
        }

        return tags;
    }

    private static List<FeedUser> Users(JsonNode? node, string section, Action<DiagnosticSeverity, string?, string, string> report)
    {
        var users = new List<FeedUser>();
        if (node is null)
        {
            return users;
        }

        if (node is not JsonObject obj)
        {
            report(DiagnosticSeverity.Error, section, section, $"{section} is a mapping of user names to {{password_hash|password_env|password, tags}}");
            return users;
        }

        foreach (var (name, spec) in obj)
        {
            var path = $"{section}/{name}";
            var key = $"{section}.{name}";
            if (!UserName().IsMatch(name))
            {
                report(DiagnosticSeverity.Error, key, path, $"'{name}' is not a valid user name (1-64 letters, digits, '.', '_', '@', '-')");
            }

            if (spec is not JsonObject user)
            {
                report(DiagnosticSeverity.Error, key, path, "a user is a mapping {password_hash|password_env|password, tags}");
                continue;
            }

            string? hash = JsonNodeValues.TryGetString(user["password_hash"], out var h) ? h : null;
            string? variable = JsonNodeValues.TryGetString(user["password_env"], out var v) ? v : null;
            string? clear = JsonNodeValues.TryGetString(user["password"], out var c) ? c : null;
            var sources = new[] { hash, variable, clear }.Count(static s => s is not null);
            if (sources != 1)
            {
                report(DiagnosticSeverity.Error, key, path, "give exactly one of password_hash, password_env or password");
            }

            if (clear is not null)
            {
                report(DiagnosticSeverity.Warning, key + ".password", $"{path}/password", "clear-text password: for demos only; use password_hash or password_env");
            }

            var tags = user["tags"] is null ? [] : Tags(user, path, report);
            if (section == "feed_users" && tags.Count == 0)
            {
                report(DiagnosticSeverity.Warning, key, path, "a feed user without tags can only read feeds tagged 'any' or 'anonymous'");
            }

            users.Add(new FeedUser(name, tags, hash, variable, clear));
        }

        return users;
    }
}
