using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Minemeld.Streams.EmbeddedKafka;

/// <summary>
/// Accepts TCP connections on one address and joins each to a new connection to another, copying bytes both ways until
/// either side closes. It puts the embedded broker, which librdkafka's mock cluster always opens on an ephemeral
/// loopback port, on an address of the caller's choosing
/// (<see cref="EmbeddedKafkaBroker.Start(IPEndPoint, string?, TimeSpan?)"/>). The Kafka protocol is carried as it is:
/// nothing is parsed.
/// </summary>
internal sealed class TcpForwarder : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _listener;
    private readonly EndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;

    /// <summary>
    /// Listens on <paramref name="listen"/> (port 0: any free port) and forwards to <paramref name="target"/>.
    /// </summary>
    public TcpForwarder(IPEndPoint listen, EndPoint target)
    {
        ArgumentNullException.ThrowIfNull(listen);
        _target = target ?? throw new ArgumentNullException(nameof(target));
        _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (listen.AddressFamily == AddressFamily.InterNetworkV6 && listen.Address.Equals(IPAddress.IPv6Any))
            {
                _listener.DualMode = true;
            }

            _listener.Bind(listen);
            _listener.Listen(512);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>The address it listens on (with the port chosen when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // One failed accept (the client went away before it completed) does not stop the listener.
                continue;
            }

            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using var upstream = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            _open.TryAdd(client, 0);
            _open.TryAdd(upstream, 0);
            try
            {
                client.NoDelay = true;
                upstream.NoDelay = true;
                await upstream.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);

                // A Kafka connection is closed whole, so the first direction to end ends both.
                await Task.WhenAny(PumpAsync(client, upstream, cancellationToken), PumpAsync(upstream, client, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The broker is down or stopping, or the client went away: the client sees its connection close.
            }
            finally
            {
                _open.TryRemove(client, out _);
                _open.TryRemove(upstream, out _);
            }
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side closed: ServeAsync closes the other.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _listener.Dispose();
        foreach (var socket in _open.Keys)
        {
            socket.Dispose();
        }

        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopping: an accept that failed on the way out changes nothing.
        }

        _stop.Dispose();
    }
}
