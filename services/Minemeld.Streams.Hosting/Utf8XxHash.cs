using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Minemeld.Streams.Hosting;

/// <summary>The 32-bit xxHash (seed 0) of a string's UTF-8 bytes: the same in every process and version.</summary>
internal static class Utf8XxHash
{
    private const int StackLimit = 256;

    public static uint Of(string text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(text, buffer);
            return XxHash32.HashToUInt32(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
