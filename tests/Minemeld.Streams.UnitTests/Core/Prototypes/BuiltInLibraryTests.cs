using Minemeld.Streams.Core.NodeClasses;
using Minemeld.Streams.Core.Prototypes;

namespace Minemeld.Streams.UnitTests.Core.Prototypes;

public sealed class BuiltInLibraryTests
{
    public static TheoryData<string> AllPrototypes() => [.. PrototypeLibrary.BuiltIn.All().Select(static p => p.FullName)];

    [Fact]
    public void LibraryLoadsWithoutProblems() => Assert.Empty(PrototypeLibrary.BuiltIn.LoadProblems());

    [Theory]
    [MemberData(nameof(AllPrototypes))]
    public void PrototypeIsCompleteAndValidAsANode(string name)
    {
        Assert.True(PrototypeLibrary.BuiltIn.TryResolve(name, out var prototype, out _));
        Assert.False(string.IsNullOrWhiteSpace(prototype.Description));
        Assert.False(string.IsNullOrWhiteSpace(prototype.Author));
        Assert.Contains(prototype.DevelopmentStatus, new[] { "STABLE", "EXPERIMENTAL", "DEPRECATED" });
        Assert.NotEmpty(prototype.IndicatorTypes);
        Assert.True(NodeClassRegistry.TryGet(prototype.Class, out var descriptor), $"class {prototype.Class} is implemented");
        Assert.Equal(descriptor.Kind.ToString().ToLowerInvariant(), prototype.NodeType);

        // As a node of its own (fed by a stand-in where its kind needs one), with no warnings but for a key the
        // operator has to fill (a template such as minemeld.JSONSEQFeed, whose url is the feed to read).
        var result = PrototypeProbe.Load(PrototypeLibrary.BuiltIn, prototype);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.All(result.Warnings, w => Assert.Contains(w.Key!["config.".Length..], descriptor.Expected));
    }

    [Theory]
    [InlineData("dshield.block")]
    [InlineData("spamhaus.DROP")]
    [InlineData("spamhaus.EDROP")]
    [InlineData("blutmagie.tor_exit_nodes")]
    [InlineData("tor.exit_addresses")]
    [InlineData("stdlib.aggregatorIPv4Generic")]
    [InlineData("stdlib.aggregatorIPv4Inbound")]
    [InlineData("stdlib.aggregatorIPv4Outbound")]
    [InlineData("stdlib.aggregatorIPv6Generic")]
    [InlineData("stdlib.listIPv4Generic")]
    [InlineData("stdlib.feedHCGreen")]
    [InlineData("feodotracker.badips")]
    [InlineData("feodotracker.hashes")]
    [InlineData("sslabusech.ipblacklist")]
    [InlineData("alienvault.reputation")]
    [InlineData("blocklist_de.all")]
    [InlineData("ETOpen.compromisedIPs")]
    [InlineData("ETOpen.blockIPs")]
    [InlineData("binarydefense.banlist")]
    [InlineData("bruteforceblocker.blist")]
    [InlineData("greensnow.IP")]
    [InlineData("cloudflare.ipv4")]
    [InlineData("aws.AMAZON")]
    [InlineData("fastly.ipv4")]
    [InlineData("urlhaus.URL")]
    [InlineData("openphish.feed")]
    [InlineData("spamhaus.ASNDROP")]
    public void SeedAndPopularPrototypesArePresent(string name) => Assert.True(PrototypeLibrary.BuiltIn.TryResolve(name, out _, out _), name);

    [Fact]
    public void SeedPrototypesCarryMineMeldsFacts()
    {
        var library = PrototypeLibrary.BuiltIn;
        library.TryResolve("dshield.block", out var dshield, out _);
        Assert.Equal(NodeClassRegistry.HttpFT, dshield.Class);
        Assert.Equal(619, dshield.Config["interval"]!.GetValue<long>());
        Assert.Equal(257, dshield.Config["age_out"]!["interval"]!.GetValue<long>());
        Assert.Null(dshield.Config["age_out"]!["default"]);
        Assert.Equal("[#S].*", dshield.Config["ignore_regex"]!.GetValue<string>());
        Assert.Equal(@"\1-\2", dshield.Config["indicator"]!["transform"]!.GetValue<string>());
        Assert.Equal(["dshield_nattacks", "dshield_name", "dshield_country", "dshield_email"], dshield.Config["fields"]!.AsObject().Select(static f => f.Key));

        library.TryResolve("spamhaus.DROP", out var drop, out _);
        Assert.Equal(677, drop.Config["age_out"]!["interval"]!.GetValue<long>());
        Assert.Equal("spamhaus.DROP", drop.Config["source_name"]!.GetValue<string>());
        Assert.Equal(@"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/[0-9]{1,2}", drop.Config["indicator"]!["regex"]!.GetValue<string>());

        library.TryResolve("spamhaus.EDROP", out var edrop, out _);
        Assert.Equal("https://www.spamhaus.org/drop/edrop.txt", edrop.Config["url"]!.GetValue<string>());
        Assert.Equal("spamhaus.EDROP", edrop.Config["source_name"]!.GetValue<string>());

        library.TryResolve("tor.exit_addresses", out var tor, out _);
        Assert.Equal(3307, tor.Config["interval"]!.GetValue<long>());
        Assert.Equal("inbound", tor.Config["attributes"]!["direction"]!.GetValue<string>());

        library.TryResolve("blutmagie.tor_exit_nodes", out var blutmagie, out _);
        Assert.Equal("DEPRECATED", blutmagie.DevelopmentStatus);
        Assert.Null(blutmagie.Config["ignore_regex"]);
        Assert.Null(blutmagie.Config["attributes"]!["direction"]);

        library.TryResolve("stdlib.listIPv4Generic", out var list, out _);
        Assert.Equal("red", list.Config["attributes"]!["share_level"]!.GetValue<string>());
        Assert.Equal(67, list.Config["age_out"]!["interval"]!.GetValue<long>());

        library.TryResolve("stdlib.aggregatorIPv4Generic", out var aggregator, out _);
        Assert.Equal(["wl"], aggregator.Config["whitelist_prefixes"]!.AsArray().Select(static n => n!.GetValue<string>()));
    }
}
