using Microsoft.Extensions.Configuration;

namespace Minemeld.Streams.Hosting.Configuration;

/// <summary>
/// A YAML file as a configuration source (docs/architecture.md, "Conventions in the code"): <c>Kafka: {LingerMs: 5}</c>
/// is <c>Kafka:LingerMs</c>.
/// </summary>
public sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}
