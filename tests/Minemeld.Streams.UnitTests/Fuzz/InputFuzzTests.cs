using Minemeld.Streams.Hosting.Nodes.Miners;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.Primitives;
using Minemeld.Streams.Core.Access;
using Minemeld.Streams.Core.Graph;
using Minemeld.Streams.Core.Miners.Feeds;
using Minemeld.Streams.Core.Prototypes;
using Minemeld.Streams.FeedServer.Feeds;
using Minemeld.Streams.FeedServer.Lists;
using Minemeld.Streams.Hosting.Memory;

namespace Minemeld.Streams.UnitTests.Fuzz;

/// <summary>
/// Every parser of operator or source input, fed 10,000 generated or mutated cases each: none throws anything but its
/// documented refusal, and every refusal says what and where. Each test prints how many cases were accepted and
/// refused.
/// </summary>
public sealed class InputFuzzTests
{
    private const int Cases = 10_000;

    /// <summary>Characters that matter to YAML, JSON, CSV and the feed formats, and some that should not.</summary>
    private const string Alphabet = " \t\n:-,[]{}#'\"&*!|>%@`?./\\0123456789abcdefxyzIPv4é\u0000\u00a0";

    private static readonly string DemoGraph = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "graphs", "demo.yml"));

    private static readonly string DemoUsers = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "graphs", "demo.users.yml"));

    /// <summary>A text with 1 to 6 edits: a span deleted, characters inserted or replaced, a line duplicated.</summary>
    private static Gen<string> Mutated(string seed) =>
        Gen.Select(Gen.Int[1, 6], Gen.Int.Array[18]).Select((count, rolls) =>
        {
            var text = new StringBuilder(seed);
            for (var i = 0; i < count; i++)
            {
                var (kind, at, what) = ((rolls[3 * i] & int.MaxValue) % 4, (rolls[(3 * i) + 1] & int.MaxValue) % Math.Max(1, text.Length), rolls[(3 * i) + 2] & int.MaxValue);
                switch (kind)
                {
                    case 0:
                        text.Remove(at, Math.Min(1 + (what % 12), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, Alphabet[what % Alphabet.Length]);
                        break;
                    case 2 when text.Length > 0:
                        text[at] = Alphabet[what % Alphabet.Length];
                        break;
                    default:
                        var lines = text.ToString().Split('\n');
                        var line = lines[what % lines.Length];
                        text.Insert(at, line + "\n");
                        break;
                }
            }

            return text.ToString();
        });

    [Fact]
    public void MutatedGraphsAreLoadedOrRefusedWithLocatedErrors()
    {
        var (valid, invalid) = (0, 0);
        Mutated(DemoGraph).Sample(text =>
        {
            var result = GraphLoader.Parse(text, "demo.yml", "demo", PrototypeLibrary.BuiltIn);
            foreach (var error in result.Errors)
            {
                Assert.True(error.Location.Line >= 1 && error.Location.Column >= 0 && error.Message.Length > 0, error.ToString());
            }

            _ = result.IsValid ? valid++ : invalid++;
            Assert.True(result.IsValid || result.Errors.Any());
        }, iter: Cases, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"graph YAML: {Cases:N0} mutated cases, {valid:N0} valid, {invalid:N0} refused with located errors");
    }

    [Fact]
    public void MutatedUsersFilesAreReadOrRefusedWithLocatedErrors()
    {
        var graph = GraphLoader.Parse(DemoGraph, "demo.yml", "demo", PrototypeLibrary.BuiltIn).Graph!;
        var (read, refused) = (0, 0);
        Mutated(DemoUsers).Sample(text =>
        {
            var (config, diagnostics) = AccessConfigLoader.Parse(text, "demo.users.yml", graph);
            foreach (var diagnostic in diagnostics)
            {
                Assert.True(diagnostic.Location.Line >= 1 && diagnostic.Message.Length > 0, diagnostic.ToString());
            }

            _ = config is not null ? read++ : refused++;
            Assert.True(config is not null || diagnostics.Any(static d => d.IsError));
        }, iter: Cases, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"users files: {Cases:N0} mutated cases, {read:N0} read, {refused:N0} refused");
    }

    [Fact]
    public void FeedQueryStringsParseOrNameTheBadParameter()
    {
        string[] names = ["v", "tr", "s", "n", "d", "h", "sum", "ubom", "sp", "di", "nsl", "cd", "k", "q", "bogus"];
        string[] values = ["", "0", "1", "-1", "2", "99999999999999999999", "json", "csv", "mwg", "bluecoat", "panosurl", "carbonblack", "stix", "x", "1e3", " 1", "%00", "é"];
        var (accepted, refused) = (0, 0);
        Gen.Select(Gen.Int[0, names.Length - 1], Gen.Int[0, values.Length - 1], Gen.Int[0, 3]).Array[0, 6].Sample(pairs =>
        {
            var query = pairs.GroupBy(p => names[p.Item1]).ToDictionary(
                static g => g.Key,
                g => new StringValues([.. g.Take(1 + g.First().Item3).Select(p => values[p.Item2])]));
            var ok = FeedQuery.TryParse(name => query.TryGetValue(name, out var v) ? v : StringValues.Empty, out _, out var error);
            if (!ok)
            {
                Assert.False(string.IsNullOrWhiteSpace(error));
                Assert.True(names.Any(n => error!.StartsWith(n + " ", StringComparison.Ordinal)) || error!.Contains("format", StringComparison.Ordinal), error);
                refused++;
            }
            else
            {
                accepted++;
            }
        }, iter: Cases, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"feed query strings: {Cases:N0} cases, {accepted:N0} accepted, {refused:N0} refused with the parameter named");
    }

    [Theory]
    [InlineData("spamhaus.DROP", "spamhaus-drop.txt")]
    [InlineData("dshield.block", "dshield-block.txt")]
    [InlineData("alienvault.reputation", null)]
    [InlineData("aws.AMAZON", null)]
    public void FeedParsersTakeMutatedDocumentsLineByLine(string prototypeName, string? fixture)
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve(prototypeName, out var prototype, out var why), why);
        var config = (JsonObject)prototype.Config.DeepClone();
        Func<TextReader, FeedParseReport, IEnumerable<FeedItem>> parse = prototype.Class switch
        {
            "minemeld.ft.csv.CSVFT" => new CsvFeedParser(config).Parse,
            "minemeld.ft.json.SimpleJSON" => new JsonFeedParser(config).Parse,
            _ => new LineFeedParser(config).Parse,
        };
        var seed = fixture is not null
            ? File.ReadAllText(Path.Combine(RepositoryPaths.Root, "graphs", "fixtures", fixture))
            : prototype.Class == "minemeld.ft.json.SimpleJSON"
                ? """{"syncToken":"1","prefixes":[{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON"},{"ip_prefix":"52.94.76.0/22","region":"us-west-2","service":"AMAZON"}]}"""
                : "1.2.3.4#4#2#Malicious Host#CN#Beijing#39.9,116.4#11\n5.6.7.8#3#2#Scanning Host#US##0,0#3\n";
        var (items, errors) = (0L, 0L);
        Mutated(seed).Sample(text =>
        {
            var report = new FeedParseReport();
            var parsed = parse(new StringReader(text), report).ToList();
            Assert.All(parsed, static i => Assert.False(string.IsNullOrEmpty(i.Indicator)));
            Assert.All(report.ErrorSamples, static s => Assert.False(string.IsNullOrWhiteSpace(s)));
            (items, errors) = (items + parsed.Count, errors + report.Errors);
        }, iter: Cases, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"{prototypeName}: {Cases:N0} mutated documents, {items:N0} indicators, {errors:N0} lines refused");
    }

    [Fact]
    public void AJsonItemWithALiteralJsonHasNotIsRefusedAloneNotThePoll()
    {
        // Found by the fuzzing above: the lenient reader takes undefined, the attribute copy did not.
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve("aws.AMAZON", out var prototype, out _));
        var report = new FeedParseReport();
        var items = new JsonFeedParser((JsonObject)prototype.Config.DeepClone()).Parse(
            new StringReader("""{"prefixes":[{"ip_prefix":"3.5.140.0/22","region":undefined,"service":"AMAZON"},{"ip_prefix":"52.94.76.0/22","region":"us-west-2","service":"AMAZON"}]}"""),
            report).ToList();
        Assert.Equal(["52.94.76.0/22"], items.Select(static i => i.Indicator));
        Assert.StartsWith("item 1: 'region' is not JSON", Assert.Single(report.ErrorSamples), StringComparison.Ordinal);
    }

    [Fact]
    public void ListApiBodiesAreTakenWholeOrRefusedNamingEveryBadEntry()
    {
        var graph = GraphLoader.Parse(DemoGraph, "demo.yml", "demo", PrototypeLibrary.BuiltIn).Graph!;
        var list = new LocalList(graph["bucketCustomerA"], new LocalListStore(new MemoryStateStore(), "demo", "bucketCustomerA", "IPv4"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        JsonNode?[] leaves =
        [
            null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(long.MaxValue), JsonValue.Create(1.5), JsonValue.Create(true),
            JsonValue.Create(""), JsonValue.Create("192.0.2.1"), JsonValue.Create("0.0.0.0/0"), JsonValue.Create("10.0.0.0/8"),
            JsonValue.Create("2001:db8::/16"), JsonValue.Create("not an address"), JsonValue.Create(now + 60_000), JsonValue.Create("3600"),
        ];
        string[] keys = ["indicator", "ttl", "expires_at", "comment", "type", "confidence", "_private", "direction"];
        var entry = Gen.Select(Gen.Int[0, keys.Length - 1], Gen.Int[0, leaves.Length - 1]).Array[0, 5]
            .Select(fields => (JsonNode)new JsonObject(fields.DistinctBy(f => keys[f.Item1]).Select(f => KeyValuePair.Create(keys[f.Item1], leaves[f.Item2]?.DeepClone()))));
        var (taken, refused) = (0, 0);
        Gen.Select(entry, Gen.Int[0, leaves.Length - 1], Gen.Bool).Array[1, 8].Sample(items =>
        {
            JsonNode? Item(int i) => items[i].Item3 ? items[i].Item1.DeepClone() : leaves[items[i].Item2]?.DeepClone();

            // The oracle: an entry is refused in a body exactly when it is refused on its own.
            var badAlone = Enumerable.Range(0, items.Length).Where(i =>
            {
                try
                {
                    ListEntryParser.ApiEntries([Item(i)], list, now);
                    return false;
                }
                catch (InvalidListEntriesException)
                {
                    return true;
                }
            }).ToList();
            var body = new JsonArray([.. Enumerable.Range(0, items.Length).Select(Item)]);
            try
            {
                var entries = ListEntryParser.ApiEntries(body, list, now);
                Assert.Equal(items.Length, entries.Count); // all or nothing
                Assert.All(entries, static e => Assert.False(string.IsNullOrEmpty(e.Indicator)));
                Assert.Empty(badAlone);
                taken++;
            }
            catch (InvalidListEntriesException ex)
            {
                Assert.Matches("^(entry [0-9]+|[0-9]+ invalid entries, nothing written: entry [0-9]+)", ex.Message);
                Assert.Equal(badAlone, ex.Errors.Select(static e => e.Entry));
                Assert.Equal(badAlone.Count, ex.Refused);
                refused++;
            }
        }, iter: Cases, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"list API bodies: {Cases:N0} cases, {taken:N0} taken whole, {refused:N0} refused naming every bad entry");
    }
}
