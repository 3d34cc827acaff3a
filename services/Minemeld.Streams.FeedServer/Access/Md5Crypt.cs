using System.Security.Cryptography;
using System.Text;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// MD5-crypt (<c>$1$</c>) and Apache's variant (<c>$apr1$</c>), the hashes MineMeld's htpasswd files hold, so they can
/// be verified once and replaced by PBKDF2 (docs/feed-api.md, "Endpoints and behaviour": passwords). Verification only;
/// never used for new hashes.
/// </summary>
public static class Md5Crypt
{
    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static bool IsMd5Crypt(string hash) =>
        hash is not null && (hash.StartsWith("$apr1$", StringComparison.Ordinal) || hash.StartsWith("$1$", StringComparison.Ordinal));

    public static bool Verify(string password, string hash)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        var magic = hash.StartsWith("$apr1$", StringComparison.Ordinal) ? "$apr1$" : "$1$";
        var rest = hash[magic.Length..];
        var dollar = rest.IndexOf('$', StringComparison.Ordinal);
        if (dollar < 0)
        {
            return false;
        }

        var computed = Compute(password, rest[..dollar], magic);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Verifies legacy htpasswd hashes once so they can be replaced by PBKDF2.")]
    public static string Compute(string password, string salt, string magic)
    {
        ArgumentNullException.ThrowIfNull(salt);
        salt = salt.Length > 8 ? salt[..8] : salt;
        var pw = Encoding.UTF8.GetBytes(password);
        var saltBytes = Encoding.UTF8.GetBytes(salt);
        var magicBytes = Encoding.ASCII.GetBytes(magic);

        var alternate = MD5.HashData([.. pw, .. saltBytes, .. pw]);
        var context = new List<byte>(pw.Length * 2 + 64);
        context.AddRange(pw);
        context.AddRange(magicBytes);
        context.AddRange(saltBytes);
        for (var length = pw.Length; length > 0; length -= 16)
        {
            context.AddRange(alternate.AsSpan(0, Math.Min(16, length)));
        }

        for (var i = pw.Length; i != 0; i >>= 1)
        {
            context.Add((i & 1) != 0 ? (byte)0 : (pw.Length > 0 ? pw[0] : (byte)0));
        }

        var final = MD5.HashData([.. context]);
        for (var i = 0; i < 1000; i++)
        {
            var round = new List<byte>(64);
            round.AddRange((i & 1) != 0 ? pw : final);
            if (i % 3 != 0)
            {
                round.AddRange(saltBytes);
            }

            if (i % 7 != 0)
            {
                round.AddRange(pw);
            }

            round.AddRange((i & 1) != 0 ? final : pw);
            final = MD5.HashData([.. round]);
        }

        var text = new StringBuilder(magic.Length + salt.Length + 23).Append(magic).Append(salt).Append('$');
        Encode(text, final[0], final[6], final[12], 4);
        Encode(text, final[1], final[7], final[13], 4);
        Encode(text, final[2], final[8], final[14], 4);
        Encode(text, final[3], final[9], final[15], 4);
        Encode(text, final[4], final[10], final[5], 4);
        Encode(text, 0, 0, final[11], 2);
        return text.ToString();
    }

    private static void Encode(StringBuilder text, byte a, byte b, byte c, int count)
    {
        var value = (a << 16) | (b << 8) | c;
        for (var i = 0; i < count; i++)
        {
            text.Append(Alphabet[value & 0x3f]);
            value >>= 6;
        }
    }
}
