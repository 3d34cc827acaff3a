using Minemeld.Streams.Hosting.Runtime;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>Not ready until the users file has been applied to the store.</summary>
public sealed class AccessReadiness(AccessSeeder seeder) : IReadinessCheck
{
    public IEnumerable<string> Problems() => seeder.Seeded.IsCompletedSuccessfully ? [] : ["access: users file not applied yet"];
}
