using System.Text.RegularExpressions;
using Minemeld.Streams.FeedServer.WebConsole;

namespace Minemeld.Streams.UnitTests.FeedServer;

/// <summary>
/// The console's embedded files hold together: every module a script imports, and every file a page links, is
/// embedded; no page or script loads anything from another origin or runs inline script (the Content Security
/// Policy would block it, and the pages must work with no internet).
/// </summary>
public sealed partial class ConsoleAssetsTests
{
    private static readonly ConsoleAssets Assets = new();

    [GeneratedRegex("""(?:import\s[^'"]*?from\s*|import\s*\(\s*)['"](?<path>[^'"]+)['"]""")]
    private static partial Regex Imports();

    [GeneratedRegex("(?:src|href)=\"(?<path>[^\"]+)\"")]
    private static partial Regex Links();

    [GeneratedRegex("""\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write""")]
    private static partial Regex MarkupWrites();

    [Fact]
    public void EveryImportedModuleIsEmbedded()
    {
        var scripts = Assets.All.Keys.Where(static k => k.EndsWith(".js", StringComparison.Ordinal)).ToList();
        Assert.Contains("app.js", scripts);
        Assert.Contains("views/overview.js", scripts);
        foreach (var script in scripts)
        {
            foreach (Match import in Imports().Matches(Assets.Text(script)))
            {
                var target = Path.GetRelativePath("/", Path.GetFullPath(import.Groups["path"].Value, "/" + Path.GetDirectoryName(script))).Replace('\\', '/');
                Assert.True(Assets.TryGet(target, out _), $"{script} imports {import.Groups["path"].Value} ({target}), which is not embedded");
            }
        }
    }

    [Theory]
    [InlineData("index.html")]
    [InlineData("login.html")]
    public void PagesLinkOnlyEmbeddedFilesAndRunNoInlineScript(string page)
    {
        var html = Assets.Text(page);
        foreach (Match link in Links().Matches(html))
        {
            var path = link.Groups["path"].Value;
            if (path.StartsWith("data:", StringComparison.Ordinal) || path.StartsWith('#') || path is "/ui/basic" or "/ui/login")
            {
                continue;
            }

            Assert.StartsWith("/ui/assets/", path, StringComparison.Ordinal);
            Assert.True(Assets.TryGet(path["/ui/assets/".Length..], out _), $"{page} links {path}, which is not embedded");
        }

        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotMatch("\\son[a-z]+=", html);
        Assert.DoesNotMatch("style=", html);
    }

    [Fact]
    public void NoAssetReachesAnotherOrigin()
    {
        foreach (var (name, asset) in Assets.All)
        {
            var text = System.Text.Encoding.UTF8.GetString(asset.Bytes);
            Assert.DoesNotMatch("(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/", text.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal));
            Assert.False(MarkupWrites().IsMatch(text), $"{name} writes markup from a string; build nodes with textContent instead");
        }
    }
}
