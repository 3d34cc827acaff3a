using System.Net;
using System.Net.Http.Headers;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>The seed scenario's access rules (issue: feed server, item 5) on the demo graph and its users file.</summary>
[Trait("Category", "Integration")]
public sealed class FeedAccessTests(RedisFixture redis)
{
    private static readonly string[] Feeds = ["freeBaseOffering", "premiumOffering", "customerAFeed"];

    internal static Task<FeedServerHost> DemoAsync(RedisFixture redis, Dictionary<string, string?>? settings = null, string? users = null) =>
        FeedServerHost.StartAsync(redis, File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "demo.yml")),
            users ?? File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "demo.users.yml")), settings);

    [Theory]
    [InlineData("acme-free", "demo-acme-free", "200,401,401")]
    [InlineData("globex-premium", "demo-globex-premium", "200,200,401")]
    [InlineData("customer-a", "demo-customer-a", "200,200,200")]
    [InlineData("admin", "demo-admin", "200,200,200")]
    [InlineData(null, null, "401,401,401")]
    [InlineData("customer-a", "wrong-password", "401,401,401")]
    [InlineData("nobody", "demo-customer-a", "401,401,401")]
    public async Task EachUserReadsExactlyTheFeedsItsTagsAllow(string? user, string? password, string expected)
    {
        await using var host = await DemoAsync(redis);
        foreach (var feed in Feeds)
        {
            await host.FillAsync(feed, [("10.0.0.1-10.0.0.1", 1, null)]);
        }

        var client = host.Client(user, password);
        var statuses = new List<string>();
        foreach (var feed in Feeds)
        {
            using var response = await client.GetAsync($"/feeds/{feed}", TestContext.Current.CancellationToken);
            statuses.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                Assert.Equal("<html><body>Unauthorized</body></html>", body);
                Assert.Equal("Basic realm=\"minemeld\"", response.Headers.WwwAuthenticate.ToString());
            }
            else
            {
                Assert.Equal("10.0.0.1-10.0.0.1\n", body);
            }
        }

        Assert.Equal(expected, string.Join(',', statuses));
    }

    [Fact]
    public async Task AnUnknownFeedIs401UnderFeedAuthEvenForAUser()
    {
        await using var host = await DemoAsync(redis);
        using var response = await host.Client("customer-a", "demo-customer-a").GetAsync("/feeds/secretFeed", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var asAdmin = await host.Client("admin", "demo-admin").GetAsync("/feeds/secretFeed", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
    }

    [Fact]
    public async Task AnonymousTagOpensAFeedWithoutCredentials()
    {
        var users = File.ReadAllText(Path.Combine(RepositoryPaths.Graphs, "demo.users.yml")).Replace("freeBaseOffering: {tags: [any]}", "freeBaseOffering: {tags: [anonymous]}", StringComparison.Ordinal);
        await using var host = await DemoAsync(redis, users: users);
        Assert.Equal(HttpStatusCode.OK, (await host.Client().GetAsync("/feeds/freeBaseOffering", TestContext.Current.CancellationToken)).StatusCode);
        // MineMeld's rule: a feed tagged only 'anonymous' refuses a feed user whose tags do not include it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("acme-free", "demo-acme-free").GetAsync("/feeds/freeBaseOffering", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ImportedHtpasswdHashesWorkOnceAndAreReplacedByPbkdf2()
    {
        // openssl passwd -apr1 -salt abcdefgh password
        var users = """
            feeds_auth_enabled: true
            feeds:
              premiumOffering: {tags: [premium]}
            feed_users:
              legacy:
                password_hash: $apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1
                tags: [premium]
              sha:
                password_hash: "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="
                tags: [premium]
            """;
        await using var host = await DemoAsync(redis, users: users);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("legacy", "Password").GetAsync("/feeds/premiumOffering", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("legacy", "password").GetAsync("/feeds/premiumOffering", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("sha", "password").GetAsync("/feeds/premiumOffering", TestContext.Current.CancellationToken)).StatusCode);
        var stored = await host.Store.Access(host.GraphName).LoadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(PasswordCheck.Valid, PasswordHashes.Verify(stored.FeedUsers["legacy"].Hash, "password"));
        Assert.StartsWith("AQAAAA", stored.FeedUsers["legacy"].Hash, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("legacy", "password").GetAsync("/feeds/premiumOffering", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task AaaRoutesManageUsersAndTags()
    {
        await using var host = await DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("customer-a", "demo-customer-a").GetAsync("/aaa/users/feeds", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client().GetAsync("/aaa/users/feeds", ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/aaa/users/feeds/initech", Json("""{"password":"s3cret-initech"}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/aaa/users/feeds/initech/attributes", Json("""{"tags":["premium"]}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("initech", "s3cret-initech").GetAsync("/feeds/premiumOffering", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("initech", "s3cret-initech").GetAsync("/feeds/customerAFeed", ct)).StatusCode);

        var users = await admin.GetStringAsync("/aaa/users/feeds", ct);
        Assert.Contains("\"initech\":{\"tags\":[\"premium\"]}", users, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", users, StringComparison.Ordinal);
        Assert.Equal("""{"result":["customer-a","free","premium"]}""", await admin.GetStringAsync("/aaa/tags", ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/aaa/users/bogus", ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/aaa/feeds/customerAFeed/attributes", Json("""{"tags":["customer-a","premium"]}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("initech", "s3cret-initech").GetAsync("/feeds/customerAFeed", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("/aaa/feeds/noSuchFeed/attributes", Json("""{"tags":["x"]}"""), ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/aaa/users/feeds/initech", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client("initech", "s3cret-initech").GetAsync("/feeds/premiumOffering", ct)).StatusCode);
        Assert.Equal("""{"result":{"id":"admin/admin","read_write":true}}""", await admin.GetStringAsync("/aaa/users/current", ct));
    }

    [Fact]
    public async Task TheLastAdminCannotBeDeletedAndUnknownUsersAre404()
    {
        await using var host = await DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var ct = TestContext.Current.CancellationToken;

        using var last = await admin.DeleteAsync("/aaa/users/api/admin", ct);
        Assert.Equal(HttpStatusCode.Conflict, last.StatusCode);
        Assert.Contains("last admin", await last.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/aaa/users/current", ct)).StatusCode);

        using var unknownFeedUser = await admin.DeleteAsync("/aaa/users/feeds/nobody", ct);
        Assert.Equal(HttpStatusCode.NotFound, unknownFeedUser.StatusCode);
        Assert.Contains("nobody", await unknownFeedUser.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/aaa/users/api/nobody", ct)).StatusCode);

        // With a second admin, either may go, and then the one left is the last.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/aaa/users/api/second", Json("""{"password":"s3cret-second"}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/aaa/users/api/admin", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/aaa/users/current", ct)).StatusCode);
        var second = host.Client("second", "s3cret-second");
        Assert.Equal(HttpStatusCode.Conflict, (await second.DeleteAsync("/aaa/users/api/second", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/aaa/users/current", ct)).StatusCode);

        // Feed users carry no such rule: the last one may go.
        var feedUsers = (await host.Store.Access(host.GraphName).LoadAsync(ct)).FeedUsers.Keys.ToList();
        foreach (var user in feedUsers)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.DeleteAsync($"/aaa/users/feeds/{user}", ct)).StatusCode);
        }

        Assert.Empty((await host.Store.Access(host.GraphName).LoadAsync(ct)).FeedUsers);
    }

    [Fact]
    public async Task TheAdminApiAnswersLoopbackOnlyByDefault()
    {
        await using var host = await DemoAsync(redis);
        var context = await host.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/aaa/users/feeds";
            c.Request.Headers.Authorization = "Basic " + Convert.ToBase64String("admin:demo-admin"u8);
            c.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        }, TestContext.Current.CancellationToken);
        Assert.Equal(403, context.Response.StatusCode);
    }

    private static StringContent Json(string json) => new(json, new MediaTypeHeaderValue("application/json"));
}
