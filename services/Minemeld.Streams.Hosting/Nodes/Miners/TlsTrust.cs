using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>How the engine's HTTP clients trust a server other than through the system's store.</summary>
public static class TlsTrust
{
    /// <summary>
    /// Trusts the certificates of a PEM bundle (a feed's <c>verify_cert: /path/ca.pem</c>, a firewall's <c>ca_file</c>)
    /// instead of the system store: the server's chain must end in one of them, and its name must match.
    /// </summary>
    public static void TrustOnly(SocketsHttpHandler handler, string pemBundle)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pemBundle);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }
}
