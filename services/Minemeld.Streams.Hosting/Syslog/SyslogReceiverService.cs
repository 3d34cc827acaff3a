using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Minemeld.Streams.Hosting.Graph;
using Minemeld.Streams.Hosting.Kafka;

namespace Minemeld.Streams.Hosting.Syslog;

/// <summary>Where this process receives syslog (<c>Syslog:Listen</c>).</summary>
public sealed class SyslogOptions
{
    public const string SectionName = "Syslog";

    /// <summary>
    /// Comma-separated <c>udp://host:port</c> and <c>tcp://host:port</c> endpoints (empty: none). PAN-OS sends syslog
    /// over UDP, TCP (newline framed or octet counted) or TLS; TLS is terminated in front (rsyslog, a load balancer).
    /// </summary>
    public string Listen { get; set; } = string.Empty;
}

/// <summary>
/// Receives syslog and puts every message, as received, on the graph's syslog topics (each exchange its syslog nodes
/// read), where the syslog miners and matchers read it: MineMeld's rsyslog and RabbitMQ in one. Any process may run
/// it (several behind a load balancer, too): the messages all meet on the topic. rsyslog's <c>omkafka</c>, Logstash
/// or a SIEM can produce to the topic directly instead (JSON objects or PAN-OS lines).
/// </summary>
public sealed partial class SyslogReceiverService(IOptions<SyslogOptions> options, IOptions<KafkaOptions> kafka, GraphProvider graphs, MessagePublisher publisher, ILogger<SyslogReceiverService> logger)
    : BackgroundService
{
    private const int MaxMessage = 64 * 1024;
    private readonly List<IDisposable> _listeners = [];
    private string[] _topics = [];
    private long _received;

    /// <summary>Messages put on the syslog topics so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>The endpoints bound (with the ports chosen for port 0), once started.</summary>
    public List<IPEndPoint> Bound { get; } = [];

    public override void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        base.Dispose();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoints = options.Value.Listen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (endpoints.Length > 0)
        {
            var graph = graphs.Graph;
            var names = new TopicNames(kafka.Value.TopicPrefix, graph.Name);
            _topics = [.. SyslogSettings.Exchanges(graph).Keys.Select(names.Syslog)];
            if (_topics.Length == 0)
            {
                _topics = [names.Syslog(SyslogSettings.DefaultExchange)];
            }
        }

        foreach (var endpoint in endpoints)
        {
            var uri = new Uri(endpoint);
            var address = IPAddress.Parse(uri.Host.Trim('[', ']'));
            switch (uri.Scheme)
            {
                case "udp":
                    var udp = new UdpClient(new IPEndPoint(address, uri.Port));
                    _listeners.Add(udp);
                    Bound.Add((IPEndPoint)udp.Client.LocalEndPoint!);
                    break;
                case "tcp":
                    var tcp = new TcpListener(address, uri.Port);
                    tcp.Start();
                    _listeners.Add(tcp.Server);
                    Bound.Add((IPEndPoint)tcp.LocalEndpoint);
                    break;
                default:
                    throw new InvalidOperationException($"Syslog:Listen: {endpoint} is not udp://host:port or tcp://host:port");
            }

            LogListening(logger, endpoint, _topics);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var listener in _listeners)
        {
            loops.Add(listener switch
            {
                UdpClient udp => ReceiveUdpAsync(udp, stoppingToken),
                Socket tcp => AcceptAsync(tcp, stoppingToken),
                _ => Task.CompletedTask,
            });
        }

        return Task.WhenAll(loops);
    }

    private async Task ReceiveUdpAsync(UdpClient udp, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var datagram = await udp.ReceiveAsync(stoppingToken).ConfigureAwait(false);
                await ForwardAsync([datagram.Buffer], stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is SocketException or KafkaException or ProduceFailedException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stoppingToken)
    {
        var connections = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var socket = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                connections.Add(ReadTcpAsync(socket, stoppingToken));
                connections.RemoveAll(static c => c.IsCompleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException ex)
            {
                LogFailed(logger, ex);
            }
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    /// <summary>One sender's stream: newline-framed messages, or RFC 6587 octet counting (<c>LEN SP MSG</c>).</summary>
    private async Task ReadTcpAsync(Socket socket, CancellationToken stoppingToken)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        var pending = new List<byte>();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, stoppingToken).ConfigureAwait(false)) > 0)
            {
                pending.AddRange(buffer.AsSpan(0, read));
                var messages = new List<byte[]>();
                while (Next(pending) is { } message)
                {
                    messages.Add(message);
                }

                if (pending.Count > MaxMessage)
                {
                    messages.Add([.. pending]); // a message without end: taken as it is rather than held forever
                    pending.Clear();
                }

                await ForwardAsync(messages, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or KafkaException or ProduceFailedException)
        {
            LogFailed(logger, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Takes the next whole message off the front of <paramref name="pending"/>, or null when none is whole yet.
    /// </summary>
    private static byte[]? Next(List<byte> pending)
    {
        var space = pending.IndexOf((byte)' ');
        if (space is > 0 and < 7 && pending.Take(space).All(static b => b is >= (byte)'0' and <= (byte)'9'))
        {
            var length = int.Parse(Encoding.ASCII.GetString([.. pending.Take(space)]), System.Globalization.CultureInfo.InvariantCulture);
            if (pending.Count < space + 1 + length)
            {
                return null;
            }

            var counted = pending.GetRange(space + 1, length).ToArray();
            pending.RemoveRange(0, space + 1 + length);
            return counted;
        }

        var newline = pending.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return null;
        }

        var line = pending.GetRange(0, newline).ToArray();
        pending.RemoveRange(0, newline + 1);
        return line.Length == 0 || line.All(static b => b is (byte)'\r' or (byte)' ') ? [] : line;
    }

    private async Task ForwardAsync(List<byte[]> messages, CancellationToken stoppingToken)
    {
        var outgoing = new List<OutgoingMessage>();
        foreach (var message in messages.Where(static m => m.Length > 0))
        {
            var key = Interlocked.Increment(ref _received).ToString(System.Globalization.CultureInfo.InvariantCulture);
            outgoing.AddRange(_topics.Select(topic => new OutgoingMessage(topic, key, message)));
        }

        if (outgoing.Count > 0)
        {
            await publisher.PublishAsync(outgoing, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Syslog: listening on {Endpoint}, forwarding to {Topics}")]
    private static partial void LogListening(ILogger logger, string endpoint, string[] topics);

    [LoggerMessage(EventId = 711, Level = LogLevel.Warning, Message = "Syslog: receiving or forwarding failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
