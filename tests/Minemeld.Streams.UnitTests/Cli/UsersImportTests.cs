using Minemeld.Streams.Core.Access;

namespace Minemeld.Streams.UnitTests.Cli;

/// <summary><c>minemeld users import</c>: MineMeld's htpasswd and attribute files become a users file that loads.</summary>
public sealed class UsersImportTests
{
    [Fact]
    public async Task ImportsHtpasswdAndTagsIntoAValidUsersFile()
    {
        var directory = Directory.CreateTempSubdirectory("mm-users-import-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "feeds.htpasswd"), "# feed users\nacme:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\nglobex:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
            File.WriteAllText(Path.Combine(directory, "wsgi.htpasswd"), "admin:$2y$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBra\n");
            File.WriteAllText(Path.Combine(directory, "50-feeds-attrs.yml"), "FEEDS_ATTRS:\n  inboundfeedhc: {tags: [gold]}\n  public: {tags: [anonymous]}\n");
            File.WriteAllText(Path.Combine(directory, "50-feeds-users-attrs.yml"), "FEEDS_USERS_ATTRS:\n  acme: {tags: [gold, silver]}\n");
            var (exit, stdout, stderr) = await CliProcess.RunAsync("users", "import",
                "--feeds-htpasswd", Path.Combine(directory, "feeds.htpasswd"), "--admin-htpasswd", Path.Combine(directory, "wsgi.htpasswd"),
                "--feeds-attrs", Path.Combine(directory, "50-feeds-attrs.yml"), "--feeds-users-attrs", Path.Combine(directory, "50-feeds-users-attrs.yml"));
            Assert.True(exit == 0, stderr);
            var (config, diagnostics) = AccessConfigLoader.Parse(stdout, "imported.users.yml", graph: null);
            Assert.NotNull(config);
            Assert.DoesNotContain(diagnostics, static d => d.IsError);
            Assert.Equal(["gold"], config.FeedTags["inboundfeedhc"]);
            Assert.Equal(["anonymous"], config.FeedTags["public"]);
            var acme = config.FeedUsers.Single(static u => u.Name == "acme");
            Assert.Equal("$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1", acme.PasswordHash);
            Assert.Equal(["gold", "silver"], acme.Tags);
            Assert.Equal("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", config.FeedUsers.Single(static u => u.Name == "globex").PasswordHash);
            Assert.Equal("admin", config.AdminUsers.Single().Name);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AMalformedHtpasswdLineIsNamed()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "ok:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nbroken-line\n");
            var (exit, _, stderr) = await CliProcess.RunAsync("users", "import", "--feeds-htpasswd", file);
            Assert.Equal(1, exit);
            Assert.Contains($"{file}:2: expected user:hash", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
