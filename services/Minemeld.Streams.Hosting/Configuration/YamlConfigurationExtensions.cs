using Microsoft.Extensions.Configuration;

namespace Minemeld.Streams.Hosting.Configuration;

public static class YamlConfigurationExtensions
{
    /// <summary>Adds a YAML file; a missing file is an error unless <paramref name="optional"/>.</summary>
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, string path, bool optional, bool reloadOnChange = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add<YamlConfigurationSource>(source =>
        {
            source.Path = path;
            source.Optional = optional;
            source.ReloadOnChange = reloadOnChange;
            source.ResolveFileProvider();
        });
    }
}
