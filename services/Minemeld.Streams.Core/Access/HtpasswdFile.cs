namespace Minemeld.Streams.Core.Access;

/// <summary>
/// An Apache htpasswd file as MineMeld kept them (<c>api/feeds.htpasswd</c>, <c>api/wsgi.htpasswd</c>):
/// <c>user:hash</c> lines.
/// </summary>
public static class HtpasswdFile
{
    /// <summary>
    /// The users in file order; blank and <c>#</c> lines are skipped, any other line without <c>:</c> is an error
    /// naming its line.
    /// </summary>
    public static IReadOnlyList<(string User, string Hash)> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var users = new List<(string, string)>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                throw new FormatException($"{source}:{number}: expected user:hash");
            }

            users.Add((line[..colon], line[(colon + 1)..]));
        }

        return users;
    }
}
