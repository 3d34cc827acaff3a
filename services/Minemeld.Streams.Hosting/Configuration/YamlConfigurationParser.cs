using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Minemeld.Streams.Hosting.Configuration;

/// <summary>
/// Flattens a YAML document into configuration keys as the JSON provider does: mappings nest with <c>:</c>,
/// sequence items are numbered from 0, scalars are kept as their text, and null (<c>~</c>, <c>null</c>, or no
/// value) is null. The root must be a mapping; keys differing only in case are one key, so a duplicate is an
/// error. Every error names the file, line and column.
/// </summary>
public static class YamlConfigurationParser
{
    public static Dictionary<string, string?> Parse(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{path}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return data; // an empty file configures nothing
        }

        if (yaml.Documents.Count > 1)
        {
            throw new FormatException($"{path}: {yaml.Documents.Count} YAML documents; host configuration is one document");
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(path, yaml.Documents[0].RootNode, "the top level must be a mapping of sections (e.g. Kafka:, Redis:)");
        }

        Visit(root, null, data, path);
        return data;
    }

    private static void Visit(YamlNode node, string? prefix, Dictionary<string, string?> data, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (keyNode, value) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { Length: > 0 } name })
                    {
                        throw Error(path, keyNode, "a key must be a non-empty scalar");
                    }

                    Visit(value, prefix is null ? name : $"{prefix}:{name}", data, path);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Visit(sequence.Children[i], $"{prefix}:{i.ToString(CultureInfo.InvariantCulture)}", data, path);
                }

                break;
            case YamlScalarNode scalar:
                if (!data.TryAdd(prefix!, IsNull(scalar) ? null : scalar.Value))
                {
                    throw Error(path, scalar, $"'{prefix}' is set twice (configuration keys ignore case)");
                }

                break;
            default:
                throw Error(path, node, $"unsupported YAML node at '{prefix}'");
        }
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static FormatException Error(string path, YamlNode node, string message) =>
        new($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");
}
