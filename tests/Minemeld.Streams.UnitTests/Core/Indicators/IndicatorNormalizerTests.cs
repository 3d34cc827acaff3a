using Minemeld.Streams.Core.Indicators;

namespace Minemeld.Streams.UnitTests.Core.Indicators;

public sealed class IndicatorNormalizerTests
{
    [Theory]
    [InlineData("IPv4", "1.2.3.4", "1.2.3.4")]
    [InlineData("IPv4", " 10.0.0.0/8 ", "10.0.0.0/8")]
    [InlineData("IPv4", "1.2.3.4/32", "1.2.3.4")]
    [InlineData("IPv4", "1.2.3.0-1.2.3.255", "1.2.3.0-1.2.3.255")]
    [InlineData("IPv4", "1.2.3.4-1.2.3.4", "1.2.3.4-1.2.3.4")]
    [InlineData("IPv6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("IPv6", "2001:db8::/32", "2001:db8::/32")]
    [InlineData("IPv6", "2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff")]
    [InlineData("domain", "Evil.Example.COM.", "evil.example.com")]
    [InlineData("domain", "*.example.com", "*.example.com")]
    [InlineData("URL", "http://evil.example/path?q=1", "http://evil.example/path?q=1")]
    [InlineData("URL", "evil.example/Path", "evil.example/Path")]
    [InlineData("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("ssdeep", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C")]
    [InlineData("autonomous-system", "as64496", "AS64496")]
    [InlineData("email-addr", "Phish@Example.COM", "Phish@example.com")]
    [InlineData("mutex", "Global\\MsWinZonesCacheCounterMutexA", "Global\\MsWinZonesCacheCounterMutexA")]
    public void ValidIndicatorsAreNormalised(string type, string indicator, string expected)
    {
        var result = IndicatorNormalizer.Normalize(type, indicator);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(expected, result.Normalized);
        Assert.Null(result.Warning);
    }

    [Theory]
    [InlineData("IPv4", "10.1.1.5/24", "10.1.1.0/24")]
    [InlineData("IPv6", "2001:db8::1/64", "2001:db8::/64")]
    public void HostBitsAreClearedWithAWarning(string type, string indicator, string expected)
    {
        var result = IndicatorNormalizer.Normalize(type, indicator);
        Assert.Equal(expected, result.Normalized);
        Assert.Contains("host bits", result.Warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IPv4", "256.1.1.1", "not an IPv4")]
    [InlineData("IPv4", "1.2.3", "not an IPv4")]
    [InlineData("IPv4", "01.2.3.4", "not an IPv4")]
    [InlineData("IPv4", "1.2.3.4/33", "prefix length")]
    [InlineData("IPv4", "1.2.3.9-1.2.3.1", "start is above its end")]
    [InlineData("IPv4", "2001:db8::1", "an IPv6 indicator in an IPv4 feed")]
    [InlineData("IPv6", "fe80::1%eth0", "not an IPv6")]
    [InlineData("domain", "bad_label-.com", "not a valid domain label")]
    [InlineData("domain", "a..b", "not a valid domain label")]
    [InlineData("URL", "http://evil example/", "blanks")]
    [InlineData("URL", "http:///path", "needs a host")]
    [InlineData("md5", "xyz", "32 hex digits")]
    [InlineData("sha1", "d41d8cd98f00b204e9800998ecf8427e", "40 hex digits")]
    [InlineData("autonomous-system", "ASX", "AS followed by its number")]
    [InlineData("email-addr", "no-at-sign", "not an e-mail address")]
    [InlineData("IPv4", "  ", "empty")]
    [InlineData(null, "1.2.3.4", "no type")]
    [InlineData("IPv5", "1.2.3.4", "unknown indicator type")]
    public void InvalidIndicatorsAreRefusedWithAReason(string? type, string indicator, string reason)
    {
        var result = IndicatorNormalizer.Normalize(type, indicator);
        Assert.False(result.IsValid);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTypeOfTheSchemaIsKnown()
    {
        Assert.Equal(16, IndicatorTypes.All.Count);
        Assert.All(IndicatorTypes.All, static t => Assert.NotEqual("unknown indicator type", IndicatorNormalizer.Normalize(t, "x").Error));
    }
}
