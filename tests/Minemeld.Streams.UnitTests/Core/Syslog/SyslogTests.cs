using System.Text;
using CsCheck;
using Minemeld.Streams.Core.Syslog;

namespace Minemeld.Streams.UnitTests.Core.Syslog;

public sealed class SyslogTests
{
    private const string ThreatUrl =
        "<14>Dec  7 08:00:00 PA-VM 1,2026/12/07 08:00:00,012801000001,THREAT,url,2305,2026/12/07 08:00:00,10.1.1.5,203.0.113.7,192.0.2.10,203.0.113.7,"
        + "allow-web,corp\\alice,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,12345,1,51234,80,41234,80,0x403000,tcp,alert,"
        + "\"evil.example.com/download/payload,1.exe\",(9999),malware,informational,client-to-server,7065543,0x0";

    private const string Traffic =
        "<14>1 2026-12-07T08:00:00+00:00 PA-VM - - - - 1,2026/12/07 08:00:01,012801000001,TRAFFIC,end,2305,2026/12/07 08:00:01,10.1.1.6,198.51.100.9,"
        + "192.0.2.10,198.51.100.9,allow-out,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,23456,1,51235,443,41235,443,0x400000,tcp,allow,"
        + "5120,1024,4096,12,2026/12/07 07:59:50,11,computer-and-internet-info";

    [Fact]
    public void PanOsThreatAndTrafficLogsAreReadByPositionAfterTheirSyslogHeader()
    {
        var threat = SyslogFields.Parse(Encoding.UTF8.GetBytes(ThreatUrl), out var error)!;
        Assert.Null(error);
        Assert.Equal(("THREAT", "url", "012801000001"), (threat["type"]!.GetValue<string>(), threat["subtype"]!.GetValue<string>(), threat["serial_number"]!.GetValue<string>()));
        Assert.Equal(("10.1.1.5", "203.0.113.7"), (threat["src_ip"]!.GetValue<string>(), threat["dest_ip"]!.GetValue<string>()));
        Assert.Equal("evil.example.com/download/payload,1.exe", threat["url"]!.GetValue<string>()); // a quoted field with a comma
        Assert.Equal(("informational", "client-to-server", "corp\\alice"), (threat["severity"]!.GetValue<string>(), threat["direction"]!.GetValue<string>(), threat["src_user"]!.GetValue<string>()));

        var traffic = SyslogFields.Parse(Encoding.UTF8.GetBytes(Traffic), out _)!;
        Assert.Equal(("TRAFFIC", "198.51.100.9", "443", "5120"), (traffic["type"]!.GetValue<string>(), traffic["dest_ip"]!.GetValue<string>(), traffic["dest_port"]!.GetValue<string>(), traffic["bytes"]!.GetValue<string>()));
        Assert.False(traffic.ContainsKey("url"));
    }

    [Fact]
    public void JsonIsTakenAsItIsAndAnythingElseIsRefusedSayingWhy()
    {
        var fields = SyslogFields.Parse("""{"src_ip": "192.0.2.1", "url": "a.example/x"}"""u8, out _)!;
        Assert.Equal("a.example/x", fields["url"]!.GetValue<string>());
        Assert.Null(SyslogFields.Parse("<13>Dec  7 08:00:00 host sshd[1]: Accepted password for root"u8, out var error));
        Assert.Contains("neither JSON nor a PAN-OS log", error, StringComparison.Ordinal);
        Assert.Null(SyslogFields.Parse("{broken"u8, out error));
        Assert.Contains("not JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UrlsMatchTheirHostWhateverTheirForm()
    {
        var index = MatchIndex.Build([("domain", "Evil.Example.com", "k")]);
        foreach (var url in new[] { "evil.example.com/x", "http://evil.example.com:8080/a?b", "https://user@EVIL.example.com./", "evil.example.com" })
        {
            Assert.Equal(("k", "evil.example.com"), index.MatchUrl(url));
        }

        Assert.Null(index.MatchUrl("sub.evil.example.com/x"));
    }

    /// <summary>Property: against every range in turn, the match is the containing range of greatest start, or none.</summary>
    [Fact]
    public void AnAddressMatchesTheContainingRangeOfGreatestStart()
    {
        var range = Gen.Select(Gen.UInt[0, 4000], Gen.UInt[0, 300]).Select(static (s, l) => (Start: s, End: s + l));
        Gen.Select(range.List[0, 40], Gen.UInt[0, 4500].List[1, 30]).Sample((ranges, addresses) =>
        {
            var entries = ranges.Select((r, i) => ("IPv4", $"{Address(r.Start)}-{Address(r.End)}", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var index = MatchIndex.Build(entries);
            foreach (var address in addresses)
            {
                var containing = ranges.Select((r, i) => (r, i)).Where(x => x.r.Start <= address && address <= x.r.End).ToList();
                var found = index.MatchAddress(Address(address));
                if (containing.Count == 0)
                {
                    Assert.Null(found);
                    continue;
                }

                var greatest = containing.Max(static x => x.r.Start);
                var hit = ranges[int.Parse(found!, System.Globalization.CultureInfo.InvariantCulture)];
                Assert.True(hit.Start <= address && address <= hit.End);
                Assert.Equal(greatest, hit.Start);
            }
        }, iter: 2000);
    }

    private static string Address(uint n) => $"10.0.{n / 256}.{n % 256}";
}
