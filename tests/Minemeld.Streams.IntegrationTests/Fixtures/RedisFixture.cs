using System.Diagnostics;
using StackExchange.Redis;

namespace Minemeld.Streams.IntegrationTests.Fixtures;

/// <summary>
/// A real Redis for the whole test assembly: <c>MINEMELD_TEST_REDIS</c> when set, otherwise a <c>redis-server</c>
/// started on a free loopback port with persistence off, killed when the fixture is disposed. Tests use their
/// own key prefixes; nobody flushes.
/// </summary>
public sealed class RedisFixture : IAsyncDisposable
{
    private readonly Lazy<Task<(ConnectionMultiplexer? Connection, string? Endpoint, string? Error)>> _start;
    private Process? _server;

    public RedisFixture()
    {
        _start = new(StartAsync);
    }

    /// <summary>The connection; skips (or fails under CI) when no Redis could be had.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var (connection, _, error) = await _start.Value;
        if (connection is null)
        {
            Backend.Unavailable($"no Redis: {error}");
        }

        return connection!;
    }

    public async Task<string> EndpointAsync()
    {
        await ConnectAsync();
        return (await _start.Value).Endpoint!;
    }

    /// <summary>Stops the server the fixture started (for outage tests); a later test gets a fresh fixture run.</summary>
    public Process? Server => _server;

    public async ValueTask DisposeAsync()
    {
        if (_start.IsValueCreated)
        {
            var (connection, _, _) = await _start.Value;
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
    }

    /// <summary>The installed redis-server, or null.</summary>
    public static string? Binary => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>Starts a private redis-server on a loopback port, persistence off (the caller kills it).</summary>
    public static Process StartServer(string binary, int port)
    {
        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(arg);
        }

        var server = Process.Start(start)!;
        server.OutputDataReceived += static (_, _) => { };
        server.ErrorDataReceived += static (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return server;
    }

    private async Task<(ConnectionMultiplexer?, string?, string?)> StartAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("MINEMELD_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            var binary = Binary;
            if (binary is null)
            {
                return (null, null, "redis-server is not installed (apt-get install -y redis-server)");
            }

            var port = FreePorts.Next();
            _server = StartServer(binary, port);
            endpoint = $"127.0.0.1:{port}";
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"{endpoint},abortConnect=true,connectTimeout=1000");
                await connection.GetDatabase().PingAsync();
                return (connection, endpoint, null);
            }
            catch (RedisConnectionException ex)
            {
                last = ex;
                await Task.Delay(100);
            }
        }

        return (null, null, $"Redis at {endpoint} did not answer PING: {last?.Message}");
    }
}
