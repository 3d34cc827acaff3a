using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Yaml;

namespace Minemeld.Streams.Core.Prototypes;

/// <summary>
/// Resolves <c>library.name</c> prototypes as MineMeld does (docs/minemeld-engine.md, "Graph files and prototypes"):
/// the name is split at its last dot into library file <c>&lt;library&gt;.yml</c> and prototype key; sources are
/// searched in order and a source is skipped when it lacks the file, the key, or the key has no <c>class</c>. The order
/// is: directories the user names (they override, as MineMeld's extension directories did), then
/// <c>MINEMELD_PROTOTYPE_PATH</c>, then the library built into this assembly.
/// </summary>
public sealed class PrototypeLibrary
{
    public const string PathVariable = "MINEMELD_PROTOTYPE_PATH";
    private const string ResourcePrefix = "prototypes/";

    private readonly IReadOnlyList<string> _directories;
    private readonly ConcurrentDictionary<(string Source, string Library), LibraryFile?> _files = new();

    private PrototypeLibrary(IReadOnlyList<string> directories)
    {
        _directories = directories;
    }

    /// <summary>The built-in library only.</summary>
    public static PrototypeLibrary BuiltIn { get; } = new([]);

    /// <summary>
    /// Built-in library with extra directories searched first, and <c>MINEMELD_PROTOTYPE_PATH</c> after them.
    /// </summary>
    public static PrototypeLibrary Create(IEnumerable<string>? extraDirectories = null, bool useEnvironment = true)
    {
        var directories = new List<string>(extraDirectories ?? []);
        var fromEnvironment = useEnvironment ? Environment.GetEnvironmentVariable(PathVariable) : null;
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            directories.AddRange(fromEnvironment.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return new PrototypeLibrary(directories);
    }

    public IReadOnlyList<string> Directories => _directories;

    public bool TryResolve(string fullName, out Prototype prototype, out string? error)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        prototype = null!;
        var dot = fullName.LastIndexOf('.');
        if (dot <= 0 || dot == fullName.Length - 1)
        {
            error = $"'{fullName}' is not a prototype name (library.name)";
            return false;
        }

        var library = fullName[..dot];
        var name = fullName[(dot + 1)..];
        foreach (var source in Sources())
        {
            var file = Load(source, library);
            if (file is not null && file.Prototypes.TryGetValue(name, out var found))
            {
                prototype = found;
                error = null;
                return true;
            }
        }

        error = $"unknown prototype '{fullName}'";
        return false;
    }

    /// <summary>Every prototype, first source winning per name, ordered by full name.</summary>
    public IReadOnlyList<Prototype> All()
    {
        var seen = new Dictionary<string, Prototype>(StringComparer.Ordinal);
        foreach (var source in Sources())
        {
            foreach (var library in Libraries(source))
            {
                foreach (var prototype in Load(source, library)?.Prototypes.Values ?? Enumerable.Empty<Prototype>())
                {
                    seen.TryAdd(prototype.FullName, prototype);
                }
            }
        }

        return [.. seen.Values.OrderBy(static p => p.FullName, StringComparer.Ordinal)];
    }

    /// <summary>Problems found while reading library files (unreadable YAML, prototypes without class...).</summary>
    public IReadOnlyList<string> LoadProblems()
    {
        _ = All();
        return [.. _files.Values.Where(static f => f is not null).SelectMany(static f => f!.Problems)];
    }

    private IEnumerable<string> Sources() => [.. _directories, ResourcePrefix];

    private static IEnumerable<string> Libraries(string source)
    {
        if (source == ResourcePrefix)
        {
            return typeof(PrototypeLibrary).Assembly.GetManifestResourceNames()
                .Where(static n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".yml", StringComparison.Ordinal))
                .Select(static n => n[ResourcePrefix.Length..^4]);
        }

        return Directory.Exists(source)
            ? Directory.EnumerateFiles(source, "*.yml").Select(static f => Path.GetFileNameWithoutExtension(f))
            : [];
    }

    private LibraryFile? Load(string source, string library) => _files.GetOrAdd((source, library), static key => Read(key.Source, key.Library));

    private static LibraryFile? Read(string source, string library)
    {
        string text;
        string path;
        if (source == ResourcePrefix)
        {
            path = $"builtin:{library}.yml";
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"{ResourcePrefix}{library}.yml");
            if (stream is null)
            {
                return null;
            }

            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        else
        {
            path = Path.Combine(source, $"{library}.yml");
            if (!File.Exists(path))
            {
                return null;
            }

            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new LibraryFile(new Dictionary<string, Prototype>(), [$"{path}: cannot read: {ex.Message}"]);
            }
        }

        var problems = new List<string>();
        JsonNode? root;
        SourceMap map;
        try
        {
            (root, map) = YamlDocument.Parse(text, path);
        }
        catch (YamlLoadException ex)
        {
            return new LibraryFile(new Dictionary<string, Prototype>(), [ex.Message]);
        }

        var prototypes = new Dictionary<string, Prototype>(StringComparer.Ordinal);
        if (root is not JsonObject top || top["prototypes"] is not JsonObject entries)
        {
            problems.Add($"{path}: no 'prototypes' mapping");
            return new LibraryFile(prototypes, problems);
        }

        foreach (var (name, node) in entries)
        {
            if (node is not JsonObject entry || !JsonNodeValues.TryGetString(entry["class"], out var className))
            {
                problems.Add($"{map.Find($"prototypes/{name}")}: prototype '{library}.{name}' has no class");
                continue;
            }

            prototypes[name] = new Prototype(
                library,
                name,
                className,
                entry["config"] as JsonObject ?? [],
                Str(entry["node_type"]),
                Str(entry["development_status"]),
                Str(entry["description"]),
                Str(entry["author"]),
                Strings(entry["indicator_types"]),
                Strings(entry["tags"]),
                map,
                path)
            {
                DiffersFromMineMeld = Str(entry["differs_from_minemeld"]),
            };
        }

        return new LibraryFile(prototypes, problems);
    }

    private static string? Str(JsonNode? node) => JsonNodeValues.TryGetString(node, out var s) ? s : null;

    private static string[] Strings(JsonNode? node) =>
        node is JsonArray list ? [.. list.Select(static n => Str(n)).OfType<string>()] : [];

    private sealed record LibraryFile(Dictionary<string, Prototype> Prototypes, List<string> Problems);
}
