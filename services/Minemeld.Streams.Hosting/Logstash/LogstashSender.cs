using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Hosting.Logstash;

/// <summary>
/// JSON lines to a Logstash <c>tcp</c> input (codec <c>json_lines</c>), as MineMeld's Logstash output and its syslog
/// matcher sent them: one connection kept open, opened again after a failure. Events carry <c>@timestamp</c>,
/// <c>@version</c> and the caller's fields; <c>first_seen</c> and <c>last_seen</c> (milliseconds) become ISO 8601.
/// A batch of events is written and flushed as one: a failure throws, so the caller does it again (at least once,
/// as far as TCP tells: Logstash's input acknowledges nothing, so events written just before it dies can be lost).
/// </summary>
public sealed class LogstashSender(string host, int port, TimeProvider time) : IDisposable
{
    private TcpClient? _client;
    private Stream? _stream;

    public string Endpoint => $"{host}:{port}";

    /// <summary>
    /// The sender a node's <c>logstash_host</c>/<c>logstash_port</c> name (port 5514 by default; MineMeld read it with
    /// int(), so '5514' in quotes is a port too); null without a host unless <paramref name="defaultHost"/> gives one.
    /// </summary>
    public static LogstashSender? FromConfig(JsonObject config, TimeProvider time, string? defaultHost = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var host = JsonNodeValues.TryGetString(config["logstash_host"], out var h) ? h : defaultHost;
        if (host is null)
        {
            return null;
        }

        var port = JsonNodeValues.TryGetInt64(config["logstash_port"], out var p) ? (int)p
            : JsonNodeValues.TryGetString(config["logstash_port"], out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var parsed) ? parsed : 5514;
        return new LogstashSender(host, port, time);
    }

    /// <summary>An event with the envelope fields and <paramref name="fields"/> over them.</summary>
    public JsonObject Event(JsonObject? fields)
    {
        var line = new JsonObject
        {
            ["@timestamp"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["@version"] = 1,
        };
        foreach (var (key, value) in fields ?? [])
        {
            line[key] = key is "first_seen" or "last_seen" && JsonNodeValues.TryGetInt64(value, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
                : value?.DeepClone();
        }

        return line;
    }

    public async Task SendAsync(IReadOnlyCollection<JsonObject> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var line in events)
        {
            text.Append(line.ToJsonString()).Append('\n');
        }

        try
        {
            // A peer that closed its side (Logstash restarted) reads as readable with nothing to read: a write would
            // still succeed into the void, so the connection is made again first.
            if (_client is { Client: { } socket } && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
            {
                Dispose();
            }

            if (_stream is null)
            {
                _client = new TcpClient();
                await _client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
                _stream = _client.GetStream();
            }

            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            Dispose();
            throw new IOException($"Logstash at {Endpoint}: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _client?.Dispose();
        (_stream, _client) = (null, null);
    }
}
