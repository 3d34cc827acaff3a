using System.Net;
using System.Text.Json.Nodes;
using DnsClient;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Miners.Feeds;

namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// MineMeld's <c>google.GoogleNetBlocks</c> and <c>google.GoogleCloudNetBlocks</c>: Google publishes its address
/// blocks as SPF records. The root record (<c>_spf.google.com</c>, <c>_cloud-netblocks.googleusercontent.com</c>) is
/// a <c>v=spf1</c> TXT record of <c>include:</c> names, each a TXT record of <c>ip4:</c> and <c>ip6:</c> networks.
/// Every network is an indicator with confidence 100 and the name that listed it (<c>google_netblock</c>,
/// <c>google_cloudnetblock</c>). Queries go over TCP (MineMeld's default) to <c>dns_server</c> (Google's 8.8.8.8),
/// port <c>tcp_port</c> (53); a record that is not SPF, or a name that does not resolve, fails the poll.
/// </summary>
public sealed class SpfNetBlocksSource
{
    private readonly LookupClient _dns;
    private readonly string _root;
    private readonly string _attribute;
    private readonly JsonObject _defaults;

    public SpfNetBlocksSource(JsonObject config, string root, string attribute)
    {
        ArgumentNullException.ThrowIfNull(config);
        (_root, _attribute) = (root, attribute);
        _defaults = config["attributes"] as JsonObject ?? [];
        var server = JsonNodeValues.TryGetString(config["dns_server"], out var s) ? s : "8.8.8.8";
        var port = JsonNodeValues.TryGetInt64(config["tcp_port"], out var p) ? (int)p : 53;
        var seconds = JsonNodeValues.TryGetDouble(config["polling_timeout"], out var t) ? t : 20;
        Server = new IPEndPoint(IPAddress.Parse(server), port);
        _dns = new LookupClient(new LookupClientOptions(Server)
        {
            UseTcpOnly = true,
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(seconds),
            Retries = JsonNodeValues.TryGetInt64(config["tries"], out var tries) ? (int)Math.Max(0, tries - 1) : 2,
            ThrowDnsErrors = true,
        });
    }

    public IPEndPoint Server { get; }

    public async Task<IReadOnlyList<FeedItem>> CollectAsync(FeedParseReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var root = await SpfAsync(_root, cancellationToken).ConfigureAwait(false);
        if (root.Includes.Count == 0)
        {
            throw new FeedFetchException($"{_root}: the SPF record includes no netblock names");
        }

        var items = new List<FeedItem>();
        foreach (var name in root.Includes)
        {
            var record = await SpfAsync(name, cancellationToken).ConfigureAwait(false);
            foreach (var (network, type) in record.Networks)
            {
                var attributes = new JsonObject { [IndicatorValue.Type] = type, ["confidence"] = 100, [_attribute] = name };
                if (IndicatorCheck.Normalize(network, attributes, _defaults, 0, report) is { } indicator)
                {
                    report.Item();
                    items.Add(new FeedItem(indicator, attributes));
                }
            }
        }

        return items;
    }

    private async Task<(List<string> Includes, List<(string Network, string Type)> Networks)> SpfAsync(string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse answer;
        try
        {
            answer = await _dns.QueryAsync(name, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            throw new FeedFetchException($"TXT {name} at {Server}: {ex.Message}", ex);
        }

        var records = answer.Answers.TxtRecords().Select(static r => string.Concat(r.Text)).Where(static t => t.StartsWith("v=spf1", StringComparison.Ordinal)).ToList();
        if (records.Count != 1)
        {
            throw new FeedFetchException($"TXT {name} at {Server}: {records.Count} SPF records (v=spf1), one expected");
        }

        var includes = new List<string>();
        var networks = new List<(string, string)>();
        foreach (var term in records[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var colon = term.IndexOf(':', StringComparison.Ordinal);
            var (mechanism, value) = colon < 0 ? (term, string.Empty) : (term[..colon], term[(colon + 1)..]);
            switch (mechanism)
            {
                case "include":
                    includes.Add(value);
                    break;
                case "ip4":
                    networks.Add((value, IndicatorTypes.IPv4));
                    break;
                case "ip6":
                    networks.Add((value, IndicatorTypes.IPv6));
                    break;
            }
        }

        return (includes, networks);
    }
}
