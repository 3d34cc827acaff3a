using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// MineMeld's side config: secrets an operator keeps out of the graph, in <c>&lt;node&gt;_side_config.yml</c> beside
/// it (or the file the node's <c>side_config</c> names). It is read again at every poll, so a changed key is used at
/// the next poll without a restart (MineMeld reloaded it on HUP). A value in the node's own config wins.
/// </summary>
/// <remarks>
/// With <paramref name="fileWins"/>, the file's value wins over the config's (MineMeld's TAXII 2 client, whose
/// prototypes carry empty placeholders for what the side config fills in).
/// </remarks>
public sealed class SideConfig(string nodeName, JsonObject config, string? graphDirectory, bool fileWins = false)
{
    private readonly string _path = JsonNodeValues.TryGetString(config["side_config"], out var path)
        ? Path.GetFullPath(path, graphDirectory ?? Directory.GetCurrentDirectory())
        : Path.Combine(graphDirectory ?? Directory.GetCurrentDirectory(), $"{nodeName}_side_config.yml");

    /// <summary>The side config file this node reads.</summary>
    public string FilePath => _path;

    /// <summary>
    /// The key's text from the node's config, else from the side config file (the other way round with fileWins); null
    /// when neither has it.
    /// </summary>
    /// <exception cref="FeedFetchException">The side config file exists but is not a YAML mapping.</exception>
    public string? Get(string key) => JsonNodeValues.TryGetString(GetNode(key), out var value) ? value : null;

    /// <summary>
    /// The key's flag from the node's config, else from the side config file; false when neither has it.
    /// </summary>
    public bool GetFlag(string key) => JsonNodeValues.TryGetBoolean(GetNode(key), out var value) && value;

    /// <summary>
    /// The key's value as it is (a list, a number), from the node's config, else from the side config file (the other
    /// way round with fileWins).
    /// </summary>
    public JsonNode? GetNode(string key)
    {
        if (fileWins)
        {
            return FromFile(key) ?? config[key];
        }

        return config[key] ?? FromFile(key);
    }

    private JsonNode? FromFile(string key)
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        try
        {
            var (root, _) = YamlDocument.Parse(File.ReadAllText(_path), _path);
            return root is JsonObject values
                ? values[key]?.DeepClone()
                : throw new FeedFetchException($"{_path}: a side config is a mapping of keys (e.g. api_key: ...)");
        }
        catch (YamlLoadException ex)
        {
            throw new FeedFetchException($"{_path}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new FeedFetchException($"cannot read {_path}: {ex.Message}", ex);
        }
    }
}
