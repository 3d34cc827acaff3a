using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Dag;

namespace Minemeld.Streams.UnitTests.Core.Dag;

public sealed class DagTaggerTests
{
    [Theory]
    [InlineData("192.0.2.1", "IPv4", "192.0.2.1")]
    [InlineData("192.0.2.1-192.0.2.1", "IPv4", "192.0.2.1")]
    [InlineData("192.0.2.1/32", "IPv4", "192.0.2.1")]
    [InlineData("2001:DB8:0:0::1", "IPv6", "2001:db8::1")]
    [InlineData("2001:db8::1/128", null, "2001:db8::1")]
    public void OneAddressIsRegisteredInItsCanonicalForm(string indicator, string? type, string expected) =>
        Assert.Equal(expected, DagTagger.Address(indicator, type, out _));

    [Theory]
    [InlineData("192.0.2.0/24", "IPv4", "a network or range")]
    [InlineData("192.0.2.1-192.0.2.2", "IPv4", "a network or range")]
    [InlineData("192.0.2.1", "IPv6", "typed IPv6")]
    [InlineData("evil.example.com", "domain", "type domain")]
    [InlineData("not-an-ip", "IPv4", "not an address")]
    public void AnythingElseIsRefusedWithTheReason(string indicator, string type, string reason)
    {
        Assert.Null(DagTagger.Address(indicator, type, out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void TagsFollowMineMeldsNamingForBandsListsMissingAttributesAndOddCharacters()
    {
        var tagger = DagTagger.FromConfig(new JsonObject { ["tag_attributes"] = new JsonArray("confidence", "direction", "sources", "share_level", "mm_region") });
        var value = new JsonObject
        {
            ["confidence"] = 74,
            ["direction"] = "inbound",
            ["sources"] = new JsonArray("spamhaus.DROP", "dshield block"),
            ["share_level"] = "green",
        };
        Assert.Equal(
            ["mmld_confidence_medium", "mmld_direction_inbound", "mmld_mm_region_unknown", "mmld_pushed", "mmld_share_level_green", "mmld_sources_dshield_block", "mmld_sources_spamhaus_DROP"],
            tagger.Tags(value));

        // The defaults: confidence and direction, under mmld_ with the pushed watermark; 75 is high, 49 low.
        var defaults = DagTagger.FromConfig([]);
        Assert.Equal(["mmld_confidence_high", "mmld_direction_unknown", "mmld_pushed"], defaults.Tags(new JsonObject { ["confidence"] = 75 }));
        Assert.Equal(["mmld_confidence_low", "mmld_direction_outbound", "mmld_pushed"], defaults.Tags(new JsonObject { ["confidence"] = 49, ["direction"] = "outbound" }));
        var custom = DagTagger.FromConfig(new JsonObject { ["tag_prefix"] = "tipx_", ["tag_watermark"] = "feed", ["tag_attributes"] = new JsonArray() });
        Assert.Equal(["tipx_feed"], custom.Tags(null));
    }
}
