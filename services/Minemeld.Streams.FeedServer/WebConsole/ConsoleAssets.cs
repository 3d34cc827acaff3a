using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Minemeld.Streams.FeedServer.WebConsole;

/// <summary>
/// The console's files (HTML, ES modules, CSS), written by hand and embedded in this assembly: no CDN, no bundler,
/// nothing fetched at run time. Each is served with a strong ETag (its SHA-256) and revalidated on every use.
/// </summary>
public sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, Asset> _assets;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name[Prefix.Length..];
            assets[file] = new Asset(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream"), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The embedded files by name (e.g. <c>app.js</c>, <c>views/overview.js</c>).</summary>
    public IReadOnlyDictionary<string, Asset> All => _assets;

    public bool TryGet(string name, out Asset asset) => _assets.TryGetValue(name, out asset!);

    public string Text(string name) => System.Text.Encoding.UTF8.GetString(_assets[name].Bytes);

    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
