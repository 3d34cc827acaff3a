namespace Minemeld.Streams.Core.Collections;

/// <summary>
/// Byte arrays that are never changed once made (a miner row's value), shared between equal values made one after
/// the other: a poll's rows mostly carry the node's attributes and one first_seen, so a million rows hold one array.
/// </summary>
public static class SharedArrays
{
    /// <summary>
    /// <paramref name="last"/> itself when it holds exactly <paramref name="bytes"/>, else a copy, which becomes
    /// <paramref name="last"/>.
    /// </summary>
    public static byte[] Of(ReadOnlySpan<byte> bytes, ref byte[]? last) =>
        last is not null && bytes.SequenceEqual(last) ? last : (last = bytes.ToArray());
}
