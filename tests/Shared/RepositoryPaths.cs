namespace Minemeld.Streams.Tests.Shared;

/// <summary>Locates the repository (the folder holding Minemeld.Streams.sln) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Graphs => Path.Combine(Root, "graphs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Minemeld.Streams.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Minemeld.Streams.sln not found above {AppContext.BaseDirectory}");
    }
}
