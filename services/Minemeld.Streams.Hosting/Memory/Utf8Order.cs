namespace Minemeld.Streams.Hosting.Memory;

/// <summary>
/// Orders strings as their UTF-8 bytes compare (what Redis does with sorted-set members of equal score), without
/// encoding them: UTF-16 code units compare like UTF-8 bytes except that surrogates (U+D800–DFFF, the halves of
/// characters above U+FFFF) must sort after U+E000–FFFF.
/// </summary>
internal static class Utf8Order
{
    public static int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                return Fix(x[i]) - Fix(y[i]);
            }
        }

        return x.Length - y.Length;
    }

    private static int Fix(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
