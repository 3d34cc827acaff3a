using Microsoft.Extensions.Configuration;

namespace Minemeld.Streams.Hosting.Configuration;

/// <summary>
/// Loads a YAML host-config file through <see cref="YamlConfigurationParser"/>; errors name the file's full path.
/// </summary>
public sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream) =>
        Data = YamlConfigurationParser.Parse(stream, Source.FileProvider?.GetFileInfo(Source.Path ?? string.Empty).PhysicalPath ?? Source.Path ?? "(stream)");
}
