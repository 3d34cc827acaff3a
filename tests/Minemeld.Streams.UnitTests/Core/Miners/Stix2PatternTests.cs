using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.UnitTests.Core.Miners;

public sealed class Stix2PatternTests
{
    [Theory]
    [InlineData("[ipv4-addr:value = '198.51.100.1']", "IPv4 198.51.100.1")]
    [InlineData("[ipv6-addr:value = '2001:db8::1'] OR [ipv4-addr:value = '192.0.2.0/24']", "IPv6 2001:db8::1|IPv4 192.0.2.0/24")]
    [InlineData("[domain-name:value = 'evil.example.com' AND domain-name:value != 'good.example.com']", "domain evil.example.com")]
    [InlineData("[url:value = 'http://a.example/it\\'s']", "URL http://a.example/it's")]
    [InlineData("[file:hashes.'SHA-256' = 'abc' OR file:hashes.MD5 = 'def' OR file:hashes.'SHA-1' = 'ghi']", "sha256 abc|md5 def|sha1 ghi")]
    [InlineData("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]", "IPv4 192.0.2.1|IPv4 192.0.2.2")]
    [InlineData("[network-traffic:dst_port = 443] AND [process:name MATCHES '^evil']", "")]
    [InlineData("[file:name = 'evil.exe'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.5'] WITHIN 300 SECONDS", "IPv4 203.0.113.5")]
    public void EqualitiesOnMappedObjectTypesAreTheIndicators(string pattern, string expected) =>
        Assert.Equal(expected, string.Join('|', Stix2Parser.Observables(pattern).Select(static o => $"{o.Type} {o.Value}")));
}
