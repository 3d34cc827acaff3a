using System.ComponentModel.DataAnnotations;

namespace Minemeld.Streams.Hosting.Redis;

public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>StackExchange.Redis configuration string (<c>host:port,password=...</c>).</summary>
    [Required]
    public string Configuration { get; set; } = "localhost:6379";
}
