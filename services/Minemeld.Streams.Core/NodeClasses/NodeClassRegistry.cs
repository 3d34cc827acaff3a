using System.Text.Json.Nodes;
using static Minemeld.Streams.Core.NodeClasses.ConfigChecks;

namespace Minemeld.Streams.Core.NodeClasses;

/// <summary>
/// Every node class Minemeld.Streams implements, under MineMeld's class names so that a MineMeld config loads
/// unchanged, and the MineMeld classes it knows but does not implement (a clear error, not "unknown class").
/// </summary>
public static class NodeClassRegistry
{
    public const string HttpFT = "minemeld.ft.http.HttpFT";
    public const string CsvFT = "minemeld.ft.csv.CSVFT";
    public const string SimpleJson = "minemeld.ft.json.SimpleJSON";
    public const string O365Xml = "minemeld.ft.o365.O365XML";
    public const string O365Api = "minemeld.ft.o365.O365API";
    public const string AzureJson = "minemeld.ft.azure.AzureJSON";
    public const string AzureXml = "minemeld.ft.azure.AzureXML";
    public const string AusCert = "minemeld.ft.auscert.MaliciousURLFeed";
    public const string TaxiiClient = "minemeld.ft.taxii.TaxiiClient";
    public const string Taxii2Client = "minemeld.ft.taxii2.Taxii2Client";
    public const string SyslogMiner = "minemeld.ft.syslog.SyslogMiner";
    public const string SyslogMatcher = "minemeld.ft.syslog.SyslogMatcher";
    public const string RecordedFutureIp = "minemeld.ft.recordedfuture.IPRiskList";
    public const string RecordedFutureDomain = "minemeld.ft.recordedfuture.DomainRiskList";
    public const string RecordedFutureMaster = "minemeld.ft.recordedfuture.MasterRiskList";
    public const string ProofpointIp = "minemeld.ft.proofpoint.EmergingThreatsIP";
    public const string ProofpointDomain = "minemeld.ft.proofpoint.EmergingThreatsDomain";
    public const string AutoFocusExport = "minemeld.ft.autofocus.ExportList";
    public const string VirusTotalNotifications = "minemeld.ft.vt.Notifications";
    public const string ThreatQExport = "minemeld.ft.threatq.Export";
    public const string JsonSeqMiner = "minemeld.ft.mm.JSONSEQMiner";
    public const string GoogleNetBlocks = "minemeld.ft.google.GoogleNetBlocks";
    public const string GoogleCloudNetBlocks = "minemeld.ft.google.GoogleCloudNetBlocks";
    public const string YamlFT = "minemeld.ft.local.YamlFT";
    public const string YamlIPv4FT = "minemeld.ft.local.YamlIPv4FT";
    public const string YamlIPv6FT = "minemeld.ft.local.YamlIPv6FT";
    public const string YamlUrlFT = "minemeld.ft.local.YamlURLFT";
    public const string YamlDomainFT = "minemeld.ft.local.YamlDomainFT";
    public const string LocalDbMiner = "minemeld.ft.localdb.Miner";
    public const string AggregateFT = "minemeld.ft.op.AggregateFT";
    public const string AggregateIPv4FT = "minemeld.ft.ipop.AggregateIPv4FT";
    public const string AggregateIPv6FT = "minemeld.ft.ipop.AggregateIPv6FT";
    public const string RedisSet = "minemeld.ft.redis.RedisSet";
    public const string DagPusher = "minemeld.ft.dag.DagPusher";
    public const string LogstashOutput = "minemeld.ft.logstash.LogstashOutput";
    public const string DagPusherNg = "minemeld.ft.dag_ng.DagPusher";

    private static readonly Dictionary<string, NodeClassDescriptor> Classes = Build();

    /// <summary>
    /// MineMeld classes that are not implemented here, each with why and what to use instead: vendor sources whose API
    /// needs a customer account and is documented only to customers, and MineMeld internals.
    /// </summary>
    private static readonly Dictionary<string, string> NotImplemented = new(StringComparer.Ordinal)
    {
        ["minemeld.ft.taxii.DataFeed"] = "MineMeld's TAXII 1.1 server output is not served; keep the indicators in a feed output (minemeld.ft.redis.RedisSet, e.g. stdlib.feedHCGreenWithValue) and read it as JSON, CSV or JSON sequences from /feeds/<node>",
        ["minemeld.ft.google.GoogleSPF"] = "this is the base of MineMeld's Google miners, not a class to use; use minemeld.ft.google.GoogleNetBlocks or GoogleCloudNetBlocks (google.netBlocks, google.GCENetBlocks)",
        ["minemeld.ft.anomali.Intelligence"] = "Anomali ThreatStream's Optic API is documented to customers only; export the indicators from ThreatStream over TAXII 2.1 (minemeld.ft.taxii2.Taxii2Client) or as a JSON or CSV feed (minemeld.ft.json.SimpleJSON, minemeld.ft.csv.CSVFT)",
        ["minemeld.ft.phishme.Intelligence"] = "Cofense (PhishMe) Intelligence's API is documented to customers only; read Cofense's TAXII 2.1 collections with minemeld.ft.taxii2.Taxii2Client",
        ["minemeld.ft.cofense.Triage"] = "Cofense Triage's API is documented to customers only; export its indicators over TAXII 2.1 (minemeld.ft.taxii2.Taxii2Client) or as a JSON feed (minemeld.ft.json.SimpleJSON)",
        ["minemeld.ft.threatconnect.IndicatorsMiner"] = "ThreatConnect's signed API is documented to customers only; read its TAXII 2.1 service with minemeld.ft.taxii2.Taxii2Client",
        ["minemeld.ft.threatconnect.GroupsMiner"] = "ThreatConnect's signed API is documented to customers only; read its TAXII 2.1 service with minemeld.ft.taxii2.Taxii2Client",
        ["minemeld.ft.tmt.DTIAPI"] = "The Media Trust's DTI API is documented to customers only; take its indicators as a CSV or JSON export (minemeld.ft.csv.CSVFT, minemeld.ft.json.SimpleJSON)",
        ["minemeld.ft.cif.Feed"] = "the CIF v2 SDK protocol is not implemented; CIF v3 serves indicators as JSON over HTTP: use minemeld.ft.json.SimpleJSON with headers {Authorization: 'Token token=...'}",
        ["minemeld.ft.ciscoise.ErsSgt"] = "IP-to-SGT mappings are identity data from Cisco ISE, not threat intelligence, and are not read; connect ISE to PAN-OS directly (pxGrid) for tags",
        ["minemeld.ft.xmpp.XMPPOutput"] = "XMPP is not an output here; SIEMs and chat bridges read the node's Kafka topic, or use minemeld.ft.logstash.LogstashOutput",
        ["minemeld.ft.dshield.DshieldRecommended"] = "the DShield block list is read with minemeld.ft.http.HttpFT (prototype dshield.block)",
        ["minemeld.ft.dshield.DshieldBlockList"] = "MineMeld's graphs before 0.9 read DShield with this class, gone since; the DShield block list is read with minemeld.ft.http.HttpFT (prototype dshield.block)",
        ["minemeld.ft.ipop.AggregateIPv4FTWithList"] = "use minemeld.ft.ipop.AggregateIPv4FT with enable_list_merge: true (prototype stdlib.aggregatorIPv4GenericWithList)",
    };

    /// <summary>
    /// Other names of implemented classes: MineMeld subclasses that only pass their parent through
    /// (<c>bambenek.Miner</c> is a CSVFT), and the name this project gave CSVFT before it used MineMeld's own.
    /// A node keeps the name it was written with; its behaviour, and what a commit compares, is the class's.
    /// </summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["minemeld.ft.bambenek.Miner"] = CsvFT,
        ["minemeld.ft.csvft.CSVFT"] = CsvFT,
    };

    public static IReadOnlyCollection<NodeClassDescriptor> All => Classes.Values;

    /// <summary>The implemented classes' other names, with the class each stands for.</summary>
    public static IReadOnlyDictionary<string, string> OtherNames => Aliases;

    public static bool TryGet(string name, out NodeClassDescriptor descriptor) => Classes.TryGetValue(Canonical(name), out descriptor!);

    /// <summary>
    /// The class a name stands for: the name itself unless it is another name of an implemented class.
    /// </summary>
    public static string Canonical(string name) => Aliases.GetValueOrDefault(name, name);

    public static bool IsKnownButNotImplemented(string name) => NotImplemented.ContainsKey(name);

    /// <summary>
    /// Why a MineMeld class is not implemented here and what to use instead; null for a class this registry does not
    /// know.
    /// </summary>
    public static string? WhyNotImplemented(string name) => NotImplemented.GetValueOrDefault(name);

    private static Dictionary<string, NodeClassDescriptor> Build()
    {
        var filters = new Dictionary<string, ConfigCheck> { ["infilters"] = FilterList.OrNull(), ["outfilters"] = FilterList.OrNull() };

        // BasePollerFT (docs/minemeld-engine.md, "Miners: settings and age-out"), plus outfilters.
        var poller = new Dictionary<string, ConfigCheck>
        {
            ["source_name"] = AnyString.OrNull(),
            ["attributes"] = Mapping.OrNull(),
            ["interval"] = WholeNumber(1, int.MaxValue),
            ["num_retries"] = WholeNumber(1, 100),
            ["age_out"] = AgeOut.OrNull(),
            ["multiple_indicator_types"] = Bool,
            ["aggregate_indicators"] = Bool,
            ["aggregate_use_partial"] = Bool,
            ["outfilters"] = FilterList.OrNull(),
            [Ranges.BroadnessGuard.Ipv4Key] = WholeNumber(0, 32),
            [Ranges.BroadnessGuard.Ipv6Key] = WholeNumber(0, 128),
        };

        // The fetcher every HTTP miner shares: MineMeld's options plus the auth, proxy and size limits operators asked for.
        var http = Merge(poller, new Dictionary<string, ConfigCheck>
        {
            ["url"] = Url,
            ["polling_timeout"] = Number(0.001),
            ["verify_cert"] = Bool.Or(AnyString),
            ["user_agent"] = AnyString.OrNull(),
            ["username"] = AnyString.OrNull(),
            ["password"] = AnyString.OrNull(),
            ["encoding"] = AnyString.OrNull(),
            ["headers"] = StringMapping.OrNull(),
            ["bearer_token"] = AnyString.OrNull(),
            ["client_cert"] = AnyString.OrNull(),
            ["client_key"] = AnyString.OrNull(),
            ["proxy"] = AnyString.OrNull(),
            ["max_response_bytes"] = WholeNumber(1, long.MaxValue),
        });

        var required = new HashSet<string>(StringComparer.Ordinal) { "url" };
        var none = new HashSet<string>(StringComparer.Ordinal);
        var list = Merge(poller, new Dictionary<string, ConfigCheck> { ["path"] = AnyString.OrNull() });
        var aggregator = Merge(filters, new Dictionary<string, ConfigCheck>
        {
            ["whitelist_prefixes"] = StringList,
            ["enable_list_merge"] = Bool,
        });

        // Vendor sources whose secrets live in the node's side config (read again at every poll); url points at a mirror.
        var keyed = Merge(http, new Dictionary<string, ConfigCheck>
        {
            ["url"] = Url.OrNull(),
            ["side_config"] = AnyString.OrNull(),
            ["api_key"] = AnyString.OrNull(),
            ["token"] = AnyString.OrNull(),
        });
        var riskList = Merge(keyed, new Dictionary<string, ConfigCheck>
        {
            ["confidence"] = WholeNumber(0, 100),
            ["ignore_regex"] = Pattern.OrNull(),
            ["delimiter"] = Character,
            ["doublequote"] = Bool,
            ["escapechar"] = Character.OrNull(),
            ["quotechar"] = Character,
            ["skipinitialspace"] = Bool,
        });
        var etIntelligence = Merge(keyed, new Dictionary<string, ConfigCheck> { ["score_threshold"] = WholeNumber(0, 127) });
        var spf = Merge(poller, new Dictionary<string, ConfigCheck>
        {
            ["dns_server"] = AnyString,
            ["tcp_port"] = WholeNumber(1, 65535),
            ["udp_port"] = WholeNumber(1, 65535).OrNull(),
            ["tries"] = WholeNumber(1, 10),
            ["polling_timeout"] = Number(0.001),
            ["verify_cert"] = Bool,
        });

        var dag = new Dictionary<string, ConfigCheck>
        {
            ["infilters"] = FilterList.OrNull(),
            ["device_list"] = AnyString.OrNull(),
            ["age_out"] = WholeNumber(1, int.MaxValue),
            ["age_out_interval"] = DurationValue.OrNull(),
            ["resync_interval"] = DurationValue,
            ["tag_prefix"] = AnyString,
            ["tag_watermark"] = AnyString,
            ["tag_attributes"] = StringList,
            ["persistent_registered_ips"] = Bool,
        };

        NodeClassDescriptor[] classes =
        [
            new(HttpFT, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["ignore_regex"] = Pattern.OrNull(),
                ["indicator"] = Extraction.OrNull(),
                ["fields"] = Extractions.OrNull(),
            }), required, "Line-oriented text feed over HTTP(S) or file:"),
            new(AusCert, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["ignore_regex"] = Pattern.OrNull(),
                ["indicator"] = Extraction.OrNull(),
                ["fields"] = Extractions.OrNull(),
                ["api_key"] = AnyString.OrNull(),
                ["side_config"] = AnyString.OrNull(),
            }), required, "AusCERT member feed: a line feed fetched with the member's API-Key header (api_key, or the node's side config)"),
            new(CsvFT, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["ignore_regex"] = Pattern.OrNull(),
                ["fieldnames"] = StringList.OrNull(),
                ["delimiter"] = Character,
                ["doublequote"] = Bool,
                ["escapechar"] = Character.OrNull(),
                ["quotechar"] = Character,
                ["skipinitialspace"] = Bool,
                ["decode_gzip"] = Bool,
            }), required, "CSV feed over HTTP(S) or file:"),
            new(SimpleJson, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["extractor"] = JmesPathText,
                ["indicator"] = AnyString,
                ["prefix"] = AnyString,
                ["fields"] = StringList.OrNull(),
            }), required, "JSON document over HTTP(S) or file:, items selected with JMESPath"),
            new(O365Xml, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["url"] = Url.OrNull(),
                ["products"] = StringList.OrNull(),
            }), none, "Office 365 address document (XML) by product; Microsoft retired it in 2018, give url a copy"),
            new(O365Api, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["url"] = Url.OrNull(),
                ["instance"] = AnyString.OrNull(),
                ["service_areas"] = StringList.OrNull(),
                ["tenant_name"] = AnyString.OrNull(),
                ["disable_integrations"] = Bool,
                ["side_config"] = AnyString.OrNull(),
            }), none, "Office 365 endpoints web service (URLs and networks by instance and service area)"),
            new(AzureJson, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["url"] = Url.OrNull(),
                ["cloud"] = OneOf("public", "usgov", "china", "germany").OrNull(),
            }), none, "Azure IP ranges and service tags (JSON) of a cloud (public, usgov, china, germany), through Microsoft's download page"),
            new(AzureXml, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["url"] = Url.OrNull(),
            }), none, "Azure datacenter IP ranges (XML, by region); Microsoft stopped publishing it in 2020, give url a copy"),
            new(TaxiiClient, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck>
            {
                ["url"] = Url.OrNull(),
                ["discovery_service"] = Url,
                ["collection"] = AnyString,
                ["client_credentials_required"] = Bool,
                ["client_cert_required"] = Bool,
                ["cert_file"] = AnyString.OrNull(),
                ["key_file"] = AnyString.OrNull(),
                ["ca_file"] = AnyString.OrNull(),
                ["subscription_id_required"] = Bool,
                ["side_config"] = AnyString.OrNull(),
                ["prefix"] = AnyString.OrNull(),
                ["confidence_map"] = Mapping.OrNull(),
                ["initial_interval"] = DurationValue,
                ["max_poll_dt"] = DurationValue,
                ["ip_version_auto_detect"] = Bool,
                ["ignore_composition_operator"] = Bool,
                ["create_fake_indicator"] = Bool,
                ["hash_priority"] = StringList,
                ["lower_timestamp_precision"] = Bool,
            }), new HashSet<string>(StringComparer.Ordinal) { "discovery_service", "collection" }, "TAXII 1.1 data feed collection of STIX 1.x packages, polled incrementally"),
            new(SyslogMiner, NodeKind.Miner, Merge(poller, new Dictionary<string, ConfigCheck>
            {
                ["exchange"] = AnyString,
                ["rabbitmq_username"] = AnyString.OrNull(),
                ["rabbitmq_password"] = AnyString.OrNull(),
                ["indicator_mapping"] = StringMapping.OrNull(),
                ["prefix"] = AnyString,
                ["rules"] = AnyString.OrNull(),
            }), none, "Indicators from the graph's syslog messages (PAN-OS logs or JSON) by the rules of <node>_rules.yml")
            {
                PollerDefaults = new JsonObject { ["interval"] = 10, ["age_out"] = new JsonObject { ["default"] = "last_seen+1h", ["sudden_death"] = false, ["interval"] = 3600 } },
            },
            new(SyslogMatcher, NodeKind.Processor, Merge(filters, new Dictionary<string, ConfigCheck>
            {
                ["exchange"] = AnyString,
                ["rabbitmq_username"] = AnyString.OrNull(),
                ["rabbitmq_password"] = AnyString.OrNull(),
                ["input_types"] = StringMapping.OrNull(),
                ["logstash_host"] = AnyString.OrNull(),
                ["logstash_port"] = WholeNumber(1, 65535).Or(AnyString),
            }), none, "Emits the addresses and domains of its inputs that the graph's syslog messages mention (sightings)"),
            new(Taxii2Client, NodeKind.Miner, Merge(poller, new Dictionary<string, ConfigCheck>
            {
                ["discovery_service"] = AnyString.OrNull(),
                ["api_root"] = AnyString.OrNull(),
                ["collection"] = AnyString.OrNull(),
                ["auth_type"] = OneOf("none", "basic", "apikey").OrNull(),
                ["api_key"] = AnyString.OrNull(),
                ["username"] = AnyString.OrNull(),
                ["password"] = AnyString.OrNull(),
                ["verify_cert"] = Bool.Or(AnyString),
                ["enabled"] = Bool.Or(AnyString),
                ["side_config"] = AnyString.OrNull(),
                ["initial_interval"] = DurationValue,
                ["max_poll_dt"] = DurationValue,
                ["lower_timestamp_precision"] = Bool,
                ["polling_timeout"] = Number(0.001),
                ["proxy"] = AnyString.OrNull(),
                ["client_cert"] = AnyString.OrNull(),
                ["client_key"] = AnyString.OrNull(),
            }), none, "TAXII 2.1 (or 2.0) collection of STIX 2 indicators, polled incrementally (settings may live in the side config)"),
            new(RecordedFutureIp, NodeKind.Miner, riskList, none, "Recorded Future IP risk list (Connect API; token in the side config)") { DefaultSourceName = "recordedfuture.iprisklist" },
            new(RecordedFutureDomain, NodeKind.Miner, riskList, none, "Recorded Future domain risk list (Connect API; token in the side config)") { DefaultSourceName = "recordedfuture.domainriskList" },
            new(RecordedFutureMaster, NodeKind.Miner, riskList, none, "Recorded Future risk list of any entity, Connect API or Fusion file (token, entity, api, path in the side config)") { DefaultSourceName = "recordedfuture.masterrisklist" },
            new(ProofpointIp, NodeKind.Miner, etIntelligence, none, "Proofpoint ET Intelligence IP reputation (auth_code and monitored_categories in the side config)") { DefaultSourceName = "proofpoint.etintelligence" },
            new(ProofpointDomain, NodeKind.Miner, etIntelligence, none, "Proofpoint ET Intelligence domain reputation (auth_code and monitored_categories in the side config)") { DefaultSourceName = "proofpoint.etintelligence" },
            new(AutoFocusExport, NodeKind.Miner, keyed, none, "AutoFocus export list (api_key and label in the side config)"),
            new(VirusTotalNotifications, NodeKind.Miner, keyed, none, "VirusTotal Intelligence hunting notifications, md5/sha1/sha256 (api_key in the side config; the v2 feed)"),
            new(ThreatQExport, NodeKind.Miner, keyed, none, "ThreatQ export in MineMeld's format (the export's url and verify_cert in the side config)"),
            new(JsonSeqMiner, NodeKind.Miner, Merge(http, new Dictionary<string, ConfigCheck> { ["url"] = Url.OrNull(), ["side_config"] = AnyString.OrNull() }), none, "Another MineMeld's (or Minemeld.Streams') feed, read as JSON sequences with its values")
            {
                Expected = new HashSet<string>(StringComparer.Ordinal) { "url" },
            },
            new(GoogleNetBlocks, NodeKind.Miner, spf, none, "Google's netblocks from the _spf.google.com SPF records (DNS)") { DefaultSourceName = "google.netblocks" },
            new(GoogleCloudNetBlocks, NodeKind.Miner, spf, none, "Google Cloud's netblocks from the _cloud-netblocks.googleusercontent.com SPF records (DNS)") { DefaultSourceName = "google.cloudnetblocks" },
            new(YamlFT, NodeKind.Miner, list, none, "Local list; each entry carries its type"),
            new(YamlIPv4FT, NodeKind.Miner, list, none, "Local list of IPv4 indicators", Indicators.IndicatorTypes.IPv4),
            new(YamlIPv6FT, NodeKind.Miner, list, none, "Local list of IPv6 indicators", Indicators.IndicatorTypes.IPv6),
            new(YamlUrlFT, NodeKind.Miner, list, none, "Local list of URL indicators", Indicators.IndicatorTypes.Url),
            new(YamlDomainFT, NodeKind.Miner, list, none, "Local list of domain indicators", Indicators.IndicatorTypes.Domain),
            new(LocalDbMiner, NodeKind.Miner, Merge(poller, new Dictionary<string, ConfigCheck>
            {
                ["default_ttl"] = WholeNumber(0, int.MaxValue),
            }), none, "Local indicator database with per-entry expiry")
            {
                // MineMeld's class defaults: entries expire by their own ttl (default_ttl, a day), not by polls.
                PollerDefaults = new JsonObject { ["age_out"] = new JsonObject { ["interval"] = 1800, ["sudden_death"] = false, ["default"] = null } },
            },
            new(AggregateFT, NodeKind.Processor, Merge(filters, new Dictionary<string, ConfigCheck>
            {
                ["whitelist_prefixes"] = StringList,
                ["ignore_cases"] = Bool,
            }), none, "Exact-match aggregation with per-source attribute merge"),
            new(AggregateIPv4FT, NodeKind.Processor, aggregator, none, "IPv4 range aggregation with whitelists"),
            new(AggregateIPv6FT, NodeKind.Processor, aggregator, none, "IPv6 range aggregation with whitelists"),
            new(RedisSet, NodeKind.Output, new Dictionary<string, ConfigCheck>
            {
                ["infilters"] = FilterList.OrNull(),
                ["redis_url"] = AnyString.OrNull(),
                ["scoring_attribute"] = AnyString.OrNull(),
                ["store_value"] = Bool,
                ["max_entries"] = WholeNumber(1, int.MaxValue),
                ["revoked_retention"] = WholeNumber(0, 366 * 86400),
                ["table_topic"] = Bool,
                [Ranges.BroadnessGuard.Ipv4Key] = WholeNumber(0, 32),
                [Ranges.BroadnessGuard.Ipv6Key] = WholeNumber(0, 128),
            }, none, "Feed served over HTTP (External Dynamic List)"),
            new(LogstashOutput, NodeKind.Output, new Dictionary<string, ConfigCheck>
            {
                ["infilters"] = FilterList.OrNull(),
                ["logstash_host"] = AnyString,
                ["logstash_port"] = WholeNumber(1, 65535).Or(AnyString),
            }, none, "Sends every update and withdraw as a JSON line to a Logstash TCP input"),
            new(DagPusher, NodeKind.Output, dag, none, "Registers IP addresses with tags on PAN-OS devices (Dynamic Address Groups, XML API User-ID)"),
            new(DagPusherNg, NodeKind.Output, dag, none, "Registers IP addresses with tags on PAN-OS 8.0+ devices, with a canary that finds a device's lost registrations"),
        ];

        return classes.ToDictionary(static c => c.Name, StringComparer.Ordinal);
    }

    private static Dictionary<string, ConfigCheck> Merge(Dictionary<string, ConfigCheck> first, Dictionary<string, ConfigCheck> second)
    {
        var merged = new Dictionary<string, ConfigCheck>(first, StringComparer.Ordinal);
        foreach (var (key, check) in second)
        {
            merged[key] = check;
        }

        return merged;
    }
}
