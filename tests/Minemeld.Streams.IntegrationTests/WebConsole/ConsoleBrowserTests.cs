namespace Minemeld.Streams.IntegrationTests.WebConsole;

/// <summary>
/// The web console in a real browser (Chromium through playwright-core) against <c>minemeld run</c> of the demo graph
/// on Redis and the embedded broker: log in and see the graph, a list entry reaching the feed's indicator view, a
/// 100,000-line upload refused for one bad line and then written, refusals (feed user, anonymous, missing CSRF token),
/// users and tags with the access matrix, graph validation. The scenarios live in <c>tests/console/console.e2e.mjs</c>;
/// every page fails its scenario on a script error or a Content Security Policy violation. Screenshots:
/// <c>bin/…/console-screenshots/</c>.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    [Theory]
    [InlineData("login")]
    [InlineData("list-entry")]
    [InlineData("bulk")]
    [InlineData("refused")]
    [InlineData("users")]
    public async Task Scenario(string scenario)
    {
        var output = await browser.ScenarioAsync(scenario, TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage($"{scenario}: {output.Trim()} (screenshots in {ConsoleBrowser.Screenshots})");
    }
}
