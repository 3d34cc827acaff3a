using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Minemeld.Streams.FeedServer.Access;

/// <summary>
/// Password hashes of feed and admin users. New hashes are ASP.NET Core Identity's v3 format (PBKDF2-HMAC-SHA512,
/// 128-bit salt, 100,000 iterations). Hashes imported from MineMeld's htpasswd files (<c>$apr1$</c>, <c>$1$</c>,
/// bcrypt <c>$2a$/$2b$/$2y$</c>, <c>{SHA}</c>) are accepted and reported as needing a rehash, so the first good
/// login replaces them. Every comparison is constant-time.
/// </summary>
public static class PasswordHashes
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>A hash for the dummy verification that keeps unknown users as slow as known ones.</summary>
    public static readonly string Dummy = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    public static string Hash(string password) => Hasher.HashPassword(string.Empty, password);

    /// <summary>
    /// A hash imported from an htpasswd file (MD5-crypt, bcrypt, SHA-1): verified once, then replaced.
    /// </summary>
    public static bool IsImported(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return Md5Crypt.IsMd5Crypt(hash) || IsBcrypt(hash) || hash.StartsWith("{SHA}", StringComparison.Ordinal);
    }

    /// <summary>Whether the text is a hash this server can verify (used to reject a users file at start-up).</summary>
    public static bool IsSupported(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (IsImported(hash))
        {
            return true;
        }

        try
        {
            var bytes = Convert.FromBase64String(hash);
            return bytes.Length > 13 && bytes[0] == 0x01;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Verifies legacy htpasswd {SHA} hashes once so they can be replaced by PBKDF2.")]
    public static PasswordCheck Verify(string hash, string password)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(password);
        if (Md5Crypt.IsMd5Crypt(hash))
        {
            return Md5Crypt.Verify(password, hash) ? PasswordCheck.ValidNeedsRehash : PasswordCheck.Invalid;
        }

        if (IsBcrypt(hash))
        {
            try
            {
                return BCrypt.Net.BCrypt.Verify(password, hash) ? PasswordCheck.ValidNeedsRehash : PasswordCheck.Invalid;
            }
            catch (BCrypt.Net.SaltParseException)
            {
                return PasswordCheck.Invalid;
            }
        }

        if (hash.StartsWith("{SHA}", StringComparison.Ordinal))
        {
            var expected = Encoding.ASCII.GetBytes(hash[5..]);
            var actual = Encoding.ASCII.GetBytes(Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password))));
            return CryptographicOperations.FixedTimeEquals(expected, actual) ? PasswordCheck.ValidNeedsRehash : PasswordCheck.Invalid;
        }

        try
        {
            return Hasher.VerifyHashedPassword(string.Empty, hash, password) switch
            {
                PasswordVerificationResult.Success => PasswordCheck.Valid,
                PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.ValidNeedsRehash,
                _ => PasswordCheck.Invalid,
            };
        }
        catch (FormatException)
        {
            return PasswordCheck.Invalid;
        }
    }

    private static bool IsBcrypt(string hash) =>
        hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal) || hash.StartsWith("$2y$", StringComparison.Ordinal);
}
