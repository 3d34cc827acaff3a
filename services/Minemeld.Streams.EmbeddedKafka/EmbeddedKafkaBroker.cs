using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Minemeld.Streams.EmbeddedKafka;

/// <summary>
/// An in-process Kafka-protocol broker: librdkafka's mock cluster, listening on 127.0.0.1 TCP ports that any
/// Kafka client (Confluent.Kafka, kcat) reaches through <see cref="BootstrapServers"/>.
/// <para>
/// Facts worth knowing (docs/architecture.md, "The embedded broker"): topics must be created through
/// <see cref="CreateTopic"/> (the mock cluster does not support the CreateTopics request); consumer groups should use
/// the range assignor; each partition keeps only about 5 MiB of message batches and silently drops older ones, so
/// compress what you produce and treat an out-of-range offset as an error.
/// </para>
/// </summary>
public sealed class EmbeddedKafkaBroker : IDisposable
{
    /// <summary>
    /// How long a mock command may take before the cluster's thread is woken (<see cref="Command"/>).
    /// </summary>
    private static readonly TimeSpan LateCommand = TimeSpan.FromMilliseconds(5);

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, int> _topics = new(StringComparer.Ordinal);
    private readonly IPEndPoint _wakeEndpoint;
    private IntPtr _handle;
    private IntPtr _cluster;
    private TcpForwarder? _forwarder;

    static EmbeddedKafkaBroker() => NativeLibrarian.Register();

    private EmbeddedKafkaBroker(IntPtr handle, IntPtr cluster, int brokers)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster has no bootstrap address");
        _wakeEndpoint = IPEndPoint.Parse(BootstrapServers.Split(',')[0]);
    }

    /// <summary>Comma-separated <c>host:port</c> list of the brokers.</summary>
    public string BootstrapServers { get; private set; }

    /// <summary>
    /// The address the broker listens on when it was started on one
    /// (<see cref="Start(IPEndPoint, string?, TimeSpan?)"/>).
    /// </summary>
    public IPEndPoint? ListenEndPoint => _forwarder?.LocalEndPoint;

    public int BrokerCount { get; }

    /// <summary>The librdkafka file in use (shared with Confluent.Kafka).</summary>
    public static string NativeLibraryPath => NativeLibrarian.Path;

    /// <summary>Topics created through this broker, with their partition counts.</summary>
    public IReadOnlyDictionary<string, int> Topics => _topics;

    /// <summary>Starts a broker cluster.</summary>
    /// <param name="brokers">Number of brokers (ids 1..n).</param>
    /// <param name="initialRebalanceDelay">Delay before a new group's first rebalance (Kafka's default is 3 s).</param>
    public static EmbeddedKafkaBroker Start(int brokers = 1, TimeSpan? initialRebalanceDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        _ = NativeLibrarian.Path;
        var errors = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        // The owning handle only hosts the mock cluster's threads; keep it quiet.
        MockClusterNative.rd_kafka_conf_set(conf, "log_level", "3", errors, (nuint)errors.Length);
        var handle = MockClusterNative.rd_kafka_new(MockClusterNative.ProducerType, conf, errors, (nuint)errors.Length);
        if (handle == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"cannot create the librdkafka handle for the embedded broker: {Text(errors)}");
        }

        var cluster = MockClusterNative.rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka could not start its mock cluster");
        }

        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, (int)(initialRebalanceDelay ?? TimeSpan.FromMilliseconds(100)).TotalMilliseconds);
        return new EmbeddedKafkaBroker(handle, cluster, brokers);
    }

    /// <summary>
    /// Starts a one-broker cluster reachable on <paramref name="listen"/> (port 0: a free port, see
    /// <see cref="ListenEndPoint"/>), for clients outside this process such as a SIEM or kcat. The mock cluster itself
    /// only listens on an ephemeral loopback port: connections to <paramref name="listen"/> are forwarded to it, and
    /// the broker advertises <paramref name="advertisedHost"/> and the listening port in its metadata, so every client
    /// (this process's too) connects through that address.
    /// </summary>
    /// <param name="listen">
    /// Where to accept connections; a wildcard address (0.0.0.0, ::) accepts them on every interface.
    /// </param>
    /// <param name="advertisedHost">
    /// The host clients are told to connect to; default the listen address, required for a wildcard.
    /// </param>
    /// <param name="initialRebalanceDelay">Delay before a new group's first rebalance.</param>
    public static EmbeddedKafkaBroker Start(IPEndPoint listen, string? advertisedHost = null, TimeSpan? initialRebalanceDelay = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var wildcard = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any);
        if (advertisedHost is null && wildcard)
        {
            throw new ArgumentException($"listening on {listen} needs the host name or address clients should connect to", nameof(advertisedHost));
        }

        var broker = Start(1, initialRebalanceDelay);
        try
        {
            broker._forwarder = new TcpForwarder(listen, broker._wakeEndpoint);
            var port = broker._forwarder.LocalEndPoint.Port;
            var host = advertisedHost ?? listen.Address.ToString();
            MockClusterNative.rd_kafka_mock_broker_set_host_port(broker.Cluster(), 1, host, port);
            broker.BootstrapServers = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates many topics (idempotent for the same partition counts); all or, on the first failure, an error.
    /// </summary>
    public void CreateTopics(IEnumerable<(string Name, int Partitions)> topics, int replicationFactor = 1)
    {
        ArgumentNullException.ThrowIfNull(topics);
        lock (_gate)
        {
            foreach (var (name, partitions) in topics)
            {
                CreateLocked(name, partitions, replicationFactor);
            }
        }
    }

    /// <summary>Creates a topic (idempotent for the same partition count).</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        lock (_gate)
        {
            CreateLocked(name, partitions, replicationFactor);
        }
    }

    private void CreateLocked(string name, int partitions, int replicationFactor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (_topics.TryGetValue(name, out var existing))
        {
            if (existing != partitions)
            {
                throw new InvalidOperationException($"topic {name} already exists with {existing} partitions, not {partitions}");
            }

            return;
        }

        var cluster = Cluster();
        Check(Command(() => MockClusterNative.rd_kafka_mock_topic_create(cluster, name, partitions, Math.Min(replicationFactor, BrokerCount))), $"create topic {name}");
        _topics[name] = partitions;
    }

    /// <summary>
    /// Takes broker <paramref name="brokerId"/> (1-based) down: its connections drop and it refuses new ones.
    /// </summary>
    public void SetBrokerDown(int brokerId = 1)
    {
        var cluster = Cluster();
        Check(Command(() => MockClusterNative.rd_kafka_mock_broker_set_down(cluster, brokerId)), $"take broker {brokerId} down");
    }

    /// <summary>Brings broker <paramref name="brokerId"/> back up.</summary>
    public void SetBrokerUp(int brokerId = 1)
    {
        var cluster = Cluster();
        Check(Command(() => MockClusterNative.rd_kafka_mock_broker_set_up(cluster, brokerId)), $"bring broker {brokerId} up");
    }

    /// <summary>
    /// Runs one command of the mock cluster's API, waking its thread if the answer is late. A command is queued for the
    /// mock cluster's thread, which is told through a wake-up pipe; now and then that wake-up is lost (measured here:
    /// one command in about 400 waits for the thread's one-second poll timeout, so creating 6,000 topics took 13 s
    /// instead of 0.3 s). Any activity on the cluster's sockets wakes the thread too, and the first thing it does
    /// then is serve its queue: a connection to a broker's port, opened and closed, is that activity.
    /// </summary>
    private int Command(Func<int> command)
    {
        var done = 0;
        using var watchdog = new Timer(_ =>
        {
            if (Volatile.Read(ref done) == 0)
            {
                Poke();
            }
        }, null, LateCommand, LateCommand);
        try
        {
            return command();
        }
        finally
        {
            Volatile.Write(ref done, 1);
        }
    }

    private void Poke()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(_wakeEndpoint);
        }
        catch (SocketException)
        {
            // A broker that is down refuses the connection; the thread still wakes within its poll timeout.
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _forwarder?.Dispose();
            _forwarder = null;
            if (_cluster != IntPtr.Zero)
            {
                MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                MockClusterNative.rd_kafka_destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }
    }

    private IntPtr Cluster()
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        return _cluster;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"cannot {what}: {Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_err2str(error))}");
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
