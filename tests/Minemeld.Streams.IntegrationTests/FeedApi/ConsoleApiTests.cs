using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.FeedServer.WebConsole;
using Minemeld.Streams.IntegrationTests.Fixtures;

namespace Minemeld.Streams.IntegrationTests.FeedApi;

/// <summary>
/// The web console's server side on a real Redis: who may open it, the login session and its CSRF token, the Content
/// Security Policy, and the read calls the console adds (a feed's indicators, the access matrix) checked against
/// oracles. The pages themselves run in a browser in ConsoleBrowserTests.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleApiTests(RedisFixture redis)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnlyAdminsOpenTheConsole()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        async Task<(HttpStatusCode Status, string Body)> IndexAsync(string? user, string? password)
        {
            using var response = await host.Client(user, password).GetAsync("/ui/", Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        var anonymous = await IndexAsync(null, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Contains("action=\"/ui/login\"", anonymous.Body, StringComparison.Ordinal);
        var feedUser = await IndexAsync("customer-a", "demo-customer-a");
        Assert.Equal(HttpStatusCode.Forbidden, feedUser.Status);
        Assert.Contains("customer-a is a feed user", feedUser.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await IndexAsync("admin", "wrong")).Status);
        var admin = await IndexAsync("admin", "demo-admin");
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        Assert.Contains("/ui/assets/app.js", admin.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("demo-admin", admin.Body, StringComparison.Ordinal);

        // The console's API: feed users and anonymous callers are 401, without a Basic challenge a browser would prompt for.
        foreach (var (user, password) in new[] { ("customer-a", "demo-customer-a"), ((string?)null, (string?)null) })
        {
            using var api = await host.Client(user, password).GetAsync("/ui/api/session", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Empty(api.Headers.WwwAuthenticate);
        }

        // The browser's own prompt: /ui/basic challenges until an admin's credentials come.
        using var challenge = await host.Client().GetAsync("/ui/basic", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Equal("Basic realm=\"minemeld\"", challenge.Headers.WwwAuthenticate.ToString());
        using var viaBasic = await host.Client("admin", "demo-admin").GetAsync("/ui/basic", Ct);
        Assert.Equal(HttpStatusCode.Redirect, viaBasic.StatusCode);
    }

    /// <summary>The admin remote-access rule covers the console: pages, files, login and API answer loopback clients only by default.</summary>
    [Fact]
    public async Task TheConsoleAnswersLoopbackOnlyByDefault()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        foreach (var (method, path) in new[] { ("GET", "/ui/"), ("GET", "/ui/login"), ("POST", "/ui/login"), ("GET", "/ui/assets/app.js"), ("GET", "/ui/api/graph") })
        {
            var context = await host.Server.SendAsync(c =>
            {
                c.Request.Method = method;
                c.Request.Path = path;
                c.Request.Headers.Authorization = "Basic " + Convert.ToBase64String("admin:demo-admin"u8);
                c.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
            }, Ct);
            Assert.True(context.Response.StatusCode == 403, $"{method} {path} from a remote client: {context.Response.StatusCode}");
        }
    }

    [Fact]
    public async Task EveryConsoleResponseCarriesTheContentSecurityPolicy()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        foreach (var path in new[] { "/ui/", "/ui/login", "/ui/assets/app.js", "/ui/assets/app.css", "/ui/api/graph" })
        {
            using var response = await host.Client("admin", "demo-admin").GetAsync(path, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
            Assert.Equal(ConsoleEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Contains("frame-ancestors 'none'", ConsoleEndpoints.ContentSecurityPolicy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", ConsoleEndpoints.ContentSecurityPolicy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        using var script = await host.Client().GetAsync("/ui/assets/app.js", Ct);
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType?.ToString());
        using var again = new HttpRequestMessage(HttpMethod.Get, "/ui/assets/app.js");
        again.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        using var cached = await host.Client().SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    /// <summary>
    /// The login form opens a session: an HttpOnly, SameSite=Strict cookie. Reads need only the cookie; writes also the
    /// session's CSRF token (none, or another session's, is 403 and writes nothing). A password change ends the
    /// session; so does logout. A login posted from another site is refused.
    /// </summary>
    [Fact]
    public async Task TheLoginSessionCarriesACsrfTokenThatEveryWriteNeeds()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var (cookie, csrf) = await LoginAsync(host, "admin", "demo-admin");
        var (_, otherCsrf) = await LoginAsync(host, "admin", "demo-admin");
        var list = new LocalListStore(host.Store, host.GraphName, "bucketCustomerA", "IPv4");

        async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string? body, string? token, string? sessionCookie = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Cookie", sessionCookie ?? cookie);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (token is not null)
            {
                request.Headers.Add(ConsoleSessions.CsrfHeader, token);
            }

            using var response = await host.Client().SendAsync(request, Ct);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/status/minemeld", null, null));
        const string Entry = """{"entries":[{"indicator":"192.0.2.80","comment":"from the console"}]}""";
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, "/lists/bucketCustomerA/entries", Entry, null));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, "/lists/bucketCustomerA/entries", Entry, otherCsrf));
        Assert.Empty(await list.ReadEntriesAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/lists/bucketCustomerA/entries", Entry, csrf));
        Assert.Equal("192.0.2.80", Assert.Single(await list.ReadEntriesAsync(0, TestContext.Current.CancellationToken)).Indicator);

        // A password change ends every session of that admin (here through the API, with the session's own token).
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Put, "/aaa/users/api/admin", """{"password":"new-admin-password"}""", csrf));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, "/status/minemeld", null, null));

        var (fresh, freshCsrf) = await LoginAsync(host, "admin", "new-admin-password");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/ui/api/session", null, null, fresh));
        Assert.Equal(HttpStatusCode.NoContent, await SendAsync(HttpMethod.Post, "/ui/api/logout", null, freshCsrf, fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, "/ui/api/session", null, null, fresh));

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/ui/login") { Content = Form("admin", "new-admin-password") };
        forged.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var refused = await host.Client().SendAsync(forged, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task FeedUsersAndWrongPasswordsOpenNoSession()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        foreach (var (user, password, status) in new[] { ("customer-a", "demo-customer-a", HttpStatusCode.Forbidden), ("admin", "wrong", HttpStatusCode.Unauthorized), ("nobody", "x", HttpStatusCode.Unauthorized) })
        {
            using var response = await host.Client().PostAsync("/ui/login", Form(user, password), Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"), user);
        }

        Assert.Empty(await host.Store.ConsoleSessions(host.GraphName).GetAllAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Paging a feed newest first yields every member once, in the store's order; a search yields exactly the members that contain it.</summary>
    [Fact]
    public async Task IndicatorPagesCoverTheFeedAndSearchMatchesAnOracle()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var random = new Random(20);
        var members = Enumerable.Range(0, 2345)
            .Select(i => (Indicator: $"10.{i / 256}.{i % 256}.{random.Next(1, 255)}-10.{i / 256}.{i % 256}.255", Score: (double)random.Next(1, 500)))
            .DistinctBy(static m => m.Indicator)
            .ToList();
        await host.FillAsync("customerAFeed", members.Select(static m => (m.Indicator, m.Score, (string?)$$"""{"type":"IPv4","sources":["test"]}""")));
        var expected = members.OrderByDescending(static m => m.Score).ThenByDescending(static m => m.Indicator, StringComparer.Ordinal).Select(static m => m.Indicator).ToList();
        var admin = host.Client("admin", "demo-admin");

        var paged = new List<string>();
        for (var offset = 0; offset < members.Count + 500; offset += 500)
        {
            var page = await GetJsonAsync(admin, $"/ui/api/feeds/customerAFeed/indicators?offset={offset}&limit=500");
            Assert.Equal(members.Count, page["total"]!.GetValue<long>());
            paged.AddRange(page["items"]!.AsArray().Select(static i => i!["indicator"]!.GetValue<string>()));
            Assert.Equal("test", page["items"]!.AsArray().FirstOrDefault()?["value"]?["sources"]?[0]?.GetValue<string>() ?? "test");
        }

        Assert.Equal(expected, paged);
        foreach (var query in new[] { "10.3.", ".255", "10.1.7", "nothing-like-this" })
        {
            var matching = expected.Where(i => i.Contains(query, StringComparison.OrdinalIgnoreCase)).ToList();
            var page = await GetJsonAsync(admin, $"/ui/api/feeds/customerAFeed/indicators?q={Uri.EscapeDataString(query)}&offset=3&limit=50");
            Assert.Equal(matching.Count, page["matched"]!.GetValue<long>());
            Assert.Equal(matching.Skip(3).Take(50), page["items"]!.AsArray().Select(static i => i!["indicator"]!.GetValue<string>()));
        }

        using var unknown = await admin.GetAsync("/ui/api/feeds/myBaseOffering/indicators", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    /// <summary>Each cell of the access matrix is what <c>/feeds/</c> answers that user: 200 where it says "reads", 401 elsewhere.</summary>
    [Fact]
    public async Task TheAccessMatrixIsWhatTheFeedsAnswer()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var matrix = await GetJsonAsync(host.Client("admin", "demo-admin"), "/ui/api/access");
        var feeds = matrix["feeds"]!.AsArray().Select(static f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["freeBaseOffering", "premiumOffering", "customerAFeed"], feeds);
        var passwords = new Dictionary<string, string?> { ["acme-free"] = "demo-acme-free", ["globex-premium"] = "demo-globex-premium", ["customer-a"] = "demo-customer-a", ["anonymous"] = null };
        var rows = matrix["rows"]!.AsArray();
        Assert.Equal(passwords.Keys.Order(StringComparer.Ordinal), rows.Select(static r => r!["user"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var user = row!["user"]!.GetValue<string>();
            var client = passwords[user] is { } password ? host.Client(user, password) : host.Client();
            for (var i = 0; i < feeds.Count; i++)
            {
                using var response = await client.GetAsync($"/feeds/{feeds[i]}", Ct);
                Assert.Equal(row["can_read"]![i]!.GetValue<bool>(), response.StatusCode == HttpStatusCode.OK);
            }
        }
    }

    /// <summary>
    /// A bulk edit with bad entries at random places: every bad entry is reported by its index (shape, lifetime,
    /// over-broad and syntax problems alike), the good ones are not, and nothing is written.
    /// </summary>
    [Fact]
    public async Task ABulkEditReportsEveryBadEntryByIndexAndWritesNothing()
    {
        await using var host = await FeedAccessTests.DemoAsync(redis);
        var admin = host.Client("admin", "demo-admin");
        var random = new Random(7);
        string[] bad = ["""{"indicator":"300.1.2.3"}""", """{"indicator":"0.0.0.0/1"}""", """{"indicator":"192.0.2.1","ttl":"soon"}""", """{"indicator":""}""", """{"comment":"no indicator"}""", "42"];
        for (var round = 0; round < 5; round++)
        {
            var entries = new List<string>();
            var badAt = new SortedSet<int>();
            for (var i = 0; i < 3000; i++)
            {
                if (random.Next(100) == 0)
                {
                    badAt.Add(i);
                    entries.Add(bad[random.Next(bad.Length)]);
                }
                else
                {
                    entries.Add($$"""{"indicator":"198.18.{{i / 256}}.{{i % 256}}","ttl":3600}""");
                }
            }

            using var response = await admin.PostAsync("/lists/bucketCustomerA/entries", new StringContent($$"""{"entries":[{{string.Join(',', entries)}}]}""", Encoding.UTF8, "application/json"), Ct);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
            if (badAt.Count == 0)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                continue;
            }

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(badAt, problem["errors"]!.AsArray().Select(static e => e!["entry"]!.GetValue<int>()));
            Assert.Equal(badAt.Count, problem["refused"]!.GetValue<int>());
            Assert.Equal(3000, problem["total"]!.GetValue<int>());
            Assert.Empty(await new LocalListStore(host.Store, host.GraphName, "bucketCustomerA", "IPv4").ReadEntriesAsync(0, TestContext.Current.CancellationToken));
        }
    }

    private static FormUrlEncodedContent Form(string user, string password) => new([KeyValuePair.Create("user", user), KeyValuePair.Create("password", password)]);

    /// <summary>Logs in through the form; returns the session cookie (as a Cookie header) and the session's CSRF token.</summary>
    private static async Task<(string Cookie, string Csrf)> LoginAsync(FeedServerHost host, string user, string password)
    {
        using var response = await host.Client().PostAsync("/ui/login", Form(user, password), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/ui/", response.Headers.Location?.ToString());
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/api/session");
        request.Headers.Add("Cookie", cookie);
        using var session = await host.Client().SendAsync(request, Ct);
        var body = JsonNode.Parse(await session.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal($"admin/{user}", body["user"]!.GetValue<string>());
        Assert.Equal("session", body["via"]!.GetValue<string>());
        return (cookie, body["csrf"]!.GetValue<string>());
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
    }
}
