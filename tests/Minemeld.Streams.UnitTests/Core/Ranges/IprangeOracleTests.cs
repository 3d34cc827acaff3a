using System.Diagnostics;
using System.Globalization;
using System.Text;
using Minemeld.Streams.Core.Ranges;

namespace Minemeld.Streams.UnitTests.Core.Ranges;

/// <summary>
/// FireHOL's <c>iprange</c> as an independent oracle: on random IPv4 input the merged CIDR list must be
/// byte-identical. <c>.ci/run</c> installs iprange; under <c>CI=true</c> a missing iprange fails the test.
/// </summary>
[Trait("Category", "Oracle")]
public sealed class IprangeOracleTests
{
    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(2, 20_000)]
    [InlineData(3, 2_000)]
    public async Task MergeIsByteIdenticalToIprange(int seed, int lines)
    {
        var iprange = new[] { "/usr/bin/iprange", "/usr/local/bin/iprange" }.FirstOrDefault(File.Exists);
        if (iprange is null)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "iprange is missing under CI=true: .ci/run must install it");
            Assert.Skip("iprange is not installed (apt-get install -y iprange)");
        }

        var input = RandomInput(seed, lines);
        var file = Path.Combine(Path.GetTempPath(), $"mm-iprange-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, input, TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo(iprange, file) { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            var expected = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, process.ExitCode);

            var errors = new List<RangeLineError>();
            using var writer = new StringWriter();
            RangeListWriter.WriteCidrs(RangeListReader.Read(input, file, errors), writer);
            Assert.Empty(errors);
            Assert.Equal(expected, writer.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Addresses, CIDRs (/8–/32, host bits set on purpose) and ranges, clustered so that they overlap.</summary>
    private static string RandomInput(int seed, int lines)
    {
        var random = new Random(seed);
        var sb = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            var a = (uint)random.NextInt64(0, 1L << 32);
            if (seed == 3)
            {
                a = (a & 0x0000FFFF) | 0x0A000000; // dense: everything in 10.0.0.0/16
            }

            var text = IPv4Family.Format(a);
            sb.Append(random.Next(3) switch
            {
                0 => text,
                1 => $"{text}/{random.Next(8, 33).ToString(CultureInfo.InvariantCulture)}",
                _ => $"{text}-{IPv4Family.Format((uint)Math.Min(uint.MaxValue, a + (ulong)random.Next(0, 5000)))}",
            }).Append('\n');
        }

        return sb.ToString();
    }
}
