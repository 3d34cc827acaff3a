using Minemeld.Streams.Core.Collections;

namespace Minemeld.Streams.UnitTests.Core.Collections;

public sealed class OrdinalSortTests
{
    /// <summary>Keys that meet every case of the prefix number: shared and longer prefixes, units past 255, NULs, empty.</summary>
    private static string RandomKey(Random random)
    {
        string[] stems = ["10.0.0.", "10.0.0.1", "10.0.0.10", "abcdefgh", "abcdefg", "", "é", "\u0100", "\u00ff", "\u0000", "\uffff", "a\u0000",
            "192.168.100.200", "0123456789abcdef", "0123456789abcde\u0100", "0123456789abcdefg"];
        var key = stems[random.Next(stems.Length)];
        for (var i = random.Next(4); i > 0; i--)
        {
            key += random.Next(6) switch
            {
                0 => (char)random.Next(0, 0x80),
                1 => (char)random.Next(0xf0, 0x110),
                2 => '\0',
                3 => '\uffff',
                _ => (char)('0' + random.Next(10)),
            };
        }

        return key;
    }

    [Fact]
    public void KeysEndInTheOrderOfAnOrdinalComparisonSort()
    {
        var random = new Random(20261130);
        for (var round = 0; round < 300; round++)
        {
            var entries = Enumerable.Range(0, random.Next(0, 200)).Select(i => KeyValuePair.Create(RandomKey(random), i)).ToList();
            var expected = entries.ToList();
            expected.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));

            OrdinalSort.ByKey(entries);

            // Equal keys may come in either order (neither sort is stable); the keys' sequence and the set of entries agree.
            Assert.Equal(expected.Select(static e => e.Key), entries.Select(static e => e.Key));
            Assert.Equal(expected.OrderBy(static e => e.Value), entries.OrderBy(static e => e.Value));
        }
    }

    [Fact]
    public void AddressesSortAsTextNotAsNumbers()
    {
        List<KeyValuePair<string, int>> entries = [new("10.0.0.10", 1), new("10.0.0.2", 2), new("9.9.9.9", 3), new("10.0.0.1", 4)];
        OrdinalSort.ByKey(entries);
        Assert.Equal(["10.0.0.1", "10.0.0.10", "10.0.0.2", "9.9.9.9"], entries.Select(static e => e.Key));
    }
}
