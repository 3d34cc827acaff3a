using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Minemeld.Streams.Core.Syslog;

/// <summary>
/// One syslog message as fields, as MineMeld's syslog nodes received them: a JSON object as it is (what rsyslog or
/// Logstash parsed upstream, e.g. <c>{"src_ip": ..., "dest_ip": ..., "url": ...}</c>), or a PAN-OS log line in its
/// CSV syslog format, read by position after the syslog header: <c>serial_number</c>, <c>type</c>, <c>subtype</c>,
/// <c>src_ip</c>, <c>dest_ip</c>, the NAT addresses, <c>rule</c>, users, <c>application</c>, <c>vsys</c>, zones,
/// interfaces, <c>session_id</c>, ports, <c>protocol</c>, <c>action</c>; THREAT logs add <c>misc</c> (the URL or
/// file name; also as <c>url</c> for url logs), <c>threat_id</c>, <c>category</c>, <c>severity</c> and
/// <c>direction</c>; TRAFFIC logs add bytes, packets and <c>category</c>.
/// </summary>
public static class SyslogFields
{
    private static readonly string[] Common =
    [
        "future_use1", "receive_time", "serial_number", "type", "subtype", "future_use2", "generated_time", "src_ip", "dest_ip",
        "nat_src_ip", "nat_dest_ip", "rule", "src_user", "dest_user", "application", "vsys", "src_zone", "dest_zone",
        "inbound_if", "outbound_if", "log_action", "future_use3", "session_id", "repeat_count", "src_port", "dest_port",
        "nat_src_port", "nat_dest_port", "flags", "protocol", "action",
    ];

    private static readonly string[] Threat = ["misc", "threat_id", "category", "severity", "direction"];
    private static readonly string[] Traffic = ["bytes", "bytes_sent", "bytes_received", "packets", "start_time", "elapsed", "category"];
    private static readonly string[] Types = ["TRAFFIC", "THREAT", "URL", "WILDFIRE", "DATA"];

    /// <summary>
    /// The message's fields; null (with the reason) for a message that is neither JSON nor a PAN-OS log.
    /// </summary>
    public static JsonObject? Parse(ReadOnlySpan<byte> message, out string? error)
    {
        error = null;
        var text = Encoding.UTF8.GetString(message).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? Fail("a JSON message that is not an object", out error);
            }
            catch (JsonException ex)
            {
                return Fail($"not JSON: {ex.Message}", out error);
            }
        }

        return PanOs(text, out error);
    }

    /// <summary>A PAN-OS log line (any syslog header before it) as fields.</summary>
    public static JsonObject? PanOs(string line, out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        error = null;
        // The CSV starts at the field before the receive time: "<digit>,YYYY/MM/DD HH:MM:SS,<serial>,<TYPE>,".
        var start = -1;
        for (var i = line.IndexOf(',', StringComparison.Ordinal); i > 0 && start < 0; i = line.IndexOf(',', i + 1))
        {
            if (i + 20 <= line.Length && line[i + 5] == '/' && line[i + 8] == '/' && line[i + 11] == ' ')
            {
                start = i - 1;
                while (start > 0 && line[start - 1] != ' ' && line[start - 1] != ':' && line[start - 1] != '>')
                {
                    start--;
                }
            }
        }

        if (start < 0)
        {
            return Fail("neither JSON nor a PAN-OS log (no receive time after the syslog header)", out error);
        }

        var cells = Split(line[start..]);
        if (cells.Count < Common.Length || !Types.Contains(cells[3]))
        {
            return Fail($"a PAN-OS log with {cells.Count} fields and type '{(cells.Count > 3 ? cells[3] : string.Empty)}': not a TRAFFIC, THREAT or URL log", out error);
        }

        var fields = new JsonObject();
        for (var i = 0; i < Common.Length; i++)
        {
            if (!Common[i].StartsWith("future_use", StringComparison.Ordinal))
            {
                fields[Common[i]] = cells[i];
            }
        }

        var more = cells[3] == "TRAFFIC" ? Traffic : Threat;
        for (var i = 0; i < more.Length && Common.Length + i < cells.Count; i++)
        {
            fields[more[i]] = cells[Common.Length + i];
        }

        if (cells[3] != "TRAFFIC" && cells[4] == "url" && fields["misc"] is { } url)
        {
            fields["url"] = url.DeepClone();
        }

        return fields;
    }

    /// <summary>A CSV record, PAN-OS style: fields with commas or quotes are double-quoted, quotes doubled.</summary>
    private static List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static JsonObject? Fail(string why, out string? error)
    {
        error = why;
        return null;
    }
}
