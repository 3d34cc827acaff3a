namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// How fixtures treat a missing backend: locally a test skips with the reason; under <c>CI=true</c> the fixture
/// fails, so CI can never turn green by skipping everything (docs/architecture.md, "Conventions in the code").
/// </summary>
internal static class Backend
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Unavailable(string reason)
    {
        if (InCi)
        {
            throw new InvalidOperationException($"{reason} (CI=true: a missing backend is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }
}
