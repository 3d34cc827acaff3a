namespace Minemeld.Streams.IntegrationTests.Fixtures;

[Trait("Category", "Integration")]
public sealed class RedisFixtureTests(RedisFixture redis)
{
    [Fact]
    public async Task ARealRedisAnswers()
    {
        var connection = await redis.ConnectAsync();
        var db = connection.GetDatabase();
        var key = $"mm:test:{Guid.NewGuid():N}";
        await db.StringSetAsync(key, "ok", TimeSpan.FromMinutes(1));
        Assert.Equal("ok", (string?)await db.StringGetAsync(key));
        Assert.StartsWith("7.", connection.GetServers()[0].Version.ToString(), StringComparison.Ordinal);
    }
}
