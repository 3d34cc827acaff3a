using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Yaml;
using Minemeld.Streams.FeedServer.Access;
using Minemeld.Streams.Hosting.State;

namespace Minemeld.Streams.Cli.Commands;

/// <summary>
/// <c>minemeld users import</c>: turns a MineMeld installation's users (its htpasswd files, <c>50-feeds-attrs.yml</c>
/// with <c>FEEDS_ATTRS</c> and <c>50-feeds-users-attrs.yml</c> with <c>FEEDS_USERS_ATTRS</c>) into a users file
/// (<c>&lt;graph&gt;.users.yml</c>), printed on stdout. Hashes are carried over as they are; the feed server accepts
/// them once and replaces each with PBKDF2 at the user's first good login.
/// </summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var feeds = new Option<FileInfo?>("--feeds-htpasswd") { Description = "MineMeld's feed users (api/feeds.htpasswd)." };
        var admins = new Option<FileInfo?>("--admin-htpasswd") { Description = "MineMeld's admin users (api/wsgi.htpasswd)." };
        var feedAttrs = new Option<FileInfo?>("--feeds-attrs") { Description = "The file holding FEEDS_ATTRS (feed tags), e.g. api/50-feeds-attrs.yml." };
        var userAttrs = new Option<FileInfo?>("--feeds-users-attrs") { Description = "The file holding FEEDS_USERS_ATTRS (user tags), e.g. api/50-feeds-users-attrs.yml." };
        var noAuth = new Option<bool>("--feeds-auth-disabled") { Description = "Write feeds_auth_enabled: false (MineMeld's FEEDS_AUTH_ENABLED default)." };
        var import = new Command("import", "Convert MineMeld's htpasswd and attribute files into a users file (stdout).") { feeds, admins, feedAttrs, userAttrs, noAuth };
        import.SetAction(parse => Run(parse.GetValue(feeds), parse.GetValue(admins), parse.GetValue(feedAttrs), parse.GetValue(userAttrs), !parse.GetValue(noAuth)));
        return new Command("users", "Feed and admin users.") { import };
    }

    private static int Run(FileInfo? feeds, FileInfo? admins, FileInfo? feedAttrs, FileInfo? userAttrs, bool authEnabled)
    {
        try
        {
            var feedTags = Section(feedAttrs, "FEEDS_ATTRS");
            var userTags = Section(userAttrs, "FEEDS_USERS_ATTRS");
            var text = new StringBuilder()
                .AppendLine("# Imported from MineMeld by `minemeld users import`. Hashes are MineMeld's; each is replaced by PBKDF2")
                .AppendLine("# in Redis at the user's first good login.")
                .Append("feeds_auth_enabled: ").AppendLine(authEnabled ? "true" : "false")
                .AppendLine("feeds:");
            foreach (var (feed, attributes) in feedTags)
            {
                text.Append("  ").Append(Quote(feed)).Append(": {tags: ").Append(Tags(attributes)).AppendLine("}");
            }

            Users(text, "feed_users", feeds, userTags);
            Users(text, "admin_users", admins, null);
            Console.Out.Write(text.ToString());
            return 0;
        }
        catch (Exception ex) when (ex is FormatException or IOException or YamlLoadException)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }

    private static void Users(StringBuilder text, string section, FileInfo? file, JsonObject? tags)
    {
        if (file is null)
        {
            return;
        }

        text.Append(section).AppendLine(":");
        foreach (var (user, hash) in HtpasswdFile.Parse(File.ReadAllText(file.FullName), file.FullName))
        {
            if (!PasswordHashes.IsSupported(hash))
            {
                throw new FormatException($"{file.FullName}: user {user}: unsupported hash (expected $apr1$, $1$, bcrypt or {{SHA}})");
            }

            text.Append("  ").Append(Quote(user)).Append(": {password_hash: ").Append(Quote(hash));
            if (tags is not null)
            {
                text.Append(", tags: ").Append(Tags(tags[user]));
            }

            text.AppendLine("}");
        }
    }

    private static JsonObject Section(FileInfo? file, string key)
    {
        if (file is null)
        {
            return [];
        }

        var (root, _) = YamlDocument.Load(file.FullName);
        return root?[key] as JsonObject ?? throw new FormatException($"{file.FullName}: no {key} mapping");
    }

    private static string Tags(JsonNode? attributes) =>
        "[" + string.Join(", ", AccessSnapshot.TagsOf(attributes as JsonObject).Select(Quote)) + "]";

    /// <summary>A YAML double-quoted scalar (JSON string syntax is valid YAML).</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
