using System.Net;
using System.Net.Sockets;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>A loopback TCP port nobody listens on at the moment of asking (for servers a test starts, or a dead endpoint).</summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
