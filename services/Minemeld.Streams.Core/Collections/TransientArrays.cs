namespace Minemeld.Streams.Core.Collections;

/// <summary>
/// Byte arrays of an exact length, one per length and thread, handed out again and again: for the key and the value
/// of a message that goes straight to a consumer which copies them before this thread asks for an array of the same
/// length again (librdkafka copies both within <c>Produce</c>, and the Kafka client wants arrays of exactly the
/// message's length). Keys and values have tables of their own, so a key never overwrites the value it goes with.
/// Lengths above <see cref="MaxLength"/> get a new array every time.
/// </summary>
internal static class TransientArrays
{
    /// <summary>The longest length kept: a thread holds at most one array of each length up to this.</summary>
    public const int MaxLength = 2048;

    [ThreadStatic]
    private static byte[]?[]? t_keys;

    [ThreadStatic]
    private static byte[]?[]? t_values;

    /// <summary>
    /// This thread's key array of <paramref name="length"/> bytes: valid until it asks for that length again.
    /// </summary>
    public static byte[] ForKey(int length) => Of(ref t_keys, length);

    /// <summary>
    /// This thread's value array of <paramref name="length"/> bytes: valid until it asks for that length again.
    /// </summary>
    public static byte[] ForValue(int length) => Of(ref t_values, length);

    private static byte[] Of(ref byte[]?[]? table, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > MaxLength)
        {
            return new byte[length];
        }

        table ??= new byte[]?[MaxLength + 1];
        return table[length] ??= new byte[length];
    }
}
