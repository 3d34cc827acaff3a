using System.Text.RegularExpressions;

namespace Minemeld.Streams.UnitTests.Docs;

/// <summary>
/// The README and docs/ link to each other by file and heading: every relative link names a file of the repository,
/// and every <c>#anchor</c> a heading of that file (as GitHub makes anchors of headings), so moving or renaming a
/// section breaks this test rather than a reader's click. Source comments cite only documents and sections that exist.
/// </summary>
public sealed partial class DocumentationLinksTests
{
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    public static TheoryData<string> Documents() =>
        [.. new[] { Path.Combine(RepositoryPaths.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md"))
            .Select(static f => Path.GetRelativePath(RepositoryPaths.Root, f))];

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLinkNamesAFileAndAHeadingThatExist(string document)
    {
        var path = Path.Combine(RepositoryPaths.Root, document);
        var text = WithoutCode(File.ReadAllText(path));
        foreach (Match link in Link().Matches(text))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var linked = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
            Assert.True(File.Exists(linked) || Directory.Exists(linked), $"{document}: {target} names no file ({linked})");
            if (hash >= 0)
            {
                var anchor = target[(hash + 1)..];
                var anchors = Heading().Matches(WithoutCode(File.ReadAllText(linked))).Select(static h => Anchor(h.Groups["title"].Value)).ToHashSet(StringComparer.Ordinal);
                Assert.True(anchors.Contains(anchor), $"{document}: {target}: no heading of {Path.GetFileName(linked)} has the anchor #{anchor}");
            }
        }
    }

    /// <summary>The source files the docs name (<c>Hosting/Nodes/Miners/MinerNode.cs</c>) exist where they say.</summary>
    [Theory]
    [MemberData(nameof(Documents))]
    public void EverySourceFileADocumentNamesExists(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));
        foreach (Match named in Regex.Matches(text, @"`(?<project>Core|Hosting|FeedServer|Cli|EmbeddedKafka)/(?<rest>[\w/.]+\.cs)`"))
        {
            var path = Path.Combine(RepositoryPaths.Root, "services", $"Minemeld.Streams.{named.Groups["project"].Value}", named.Groups["rest"].Value);
            Assert.True(File.Exists(path), $"{document} names {named.Value}, which is not at {Path.GetRelativePath(RepositoryPaths.Root, path)}");
        }
    }

    /// <summary>
    /// Source comments cite documents of the repository only: every <c>name.md</c> they mention is in docs/ (or is the
    /// README), a cited section (<c>docs/x.md, "Heading"</c>) is a heading of that document, and no citation of the
    /// reference texts the repository does not carry is left: no numbered section (<c>§</c>, but an RFC's) and no
    /// numbered design decision. Code, configuration and scripts alike (the prototype library, compose, the console).
    /// </summary>
    [Fact]
    public void SourceCommentsCiteOnlyDocumentsAndSectionsOfTheRepository()
    {
        var docs = Path.Combine(RepositoryPaths.Root, "docs");
        var problems = new List<string>();
        string[] sources = ["*.cs", "*.yml", "*.yaml", "*.js", "*.sh", "Dockerfile"];
        foreach (var file in new[] { "services", "clients", "tests", "compose", "graphs", "bench", ".ci" }
            .Select(d => Path.Combine(RepositoryPaths.Root, d))
            .Where(Directory.Exists)
            .SelectMany(d => sources.SelectMany(pattern => Directory.GetFiles(d, pattern, SearchOption.AllDirectories)))
            .Where(static f => !Regex.IsMatch(f, @"[\\/](obj|bin|node_modules|TestResults)[\\/]")
                && Path.GetFileName(f) != $"{nameof(DocumentationLinksTests)}.cs"))
        {
            var text = Regex.Replace(File.ReadAllText(file), @"\s*///\s*", " ");
            var name = Path.GetRelativePath(RepositoryPaths.Root, file);
            foreach (Match cited in Regex.Matches(text, @"\b(?<doc>[A-Za-z][A-Za-z0-9-]*\.md)\b(?:, ""(?<section>[^""]+)"")?"))
            {
                var doc = cited.Groups["doc"].Value;
                var path = Path.Combine(docs, doc);
                if (doc != "README.md" && !File.Exists(path))
                {
                    problems.Add($"{name} cites {doc}, which is not in docs/");
                }
                else if (cited.Groups["section"].Success && doc != "README.md" &&
                    !Heading().Matches(WithoutCode(File.ReadAllText(path))).Any(h => h.Groups["title"].Value.Trim() == cited.Groups["section"].Value))
                {
                    problems.Add($"{name} cites the section \"{cited.Groups["section"].Value}\" of {doc}, which has no such heading");
                }
            }

            foreach (Match section in Regex.Matches(text, @"(?<!RFC \d+ )§\s*[\d.]+"))
            {
                problems.Add($"{name} cites a numbered section ({section.Value}) of a text that is not in the repository");
            }

            foreach (Match decision in Regex.Matches(text, @"\bdecision \d+", RegexOptions.IgnoreCase))
            {
                problems.Add($"{name} cites a numbered design decision ({decision.Value}) that is not in the repository");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems.Distinct().Take(80)));
    }

    /// <summary>A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Anchor(string title) =>
        Regex.Replace(title.Trim().ToLowerInvariant(), @"[^\p{L}\p{N} _-]", string.Empty).Replace(' ', '-');

    /// <summary>The text without fenced code blocks (a <c>#</c> line in a shell example is no heading).</summary>
    private static string WithoutCode(string markdown) => Regex.Replace(markdown, "^```.*?^```", string.Empty, RegexOptions.Multiline | RegexOptions.Singleline);
}
