using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;

namespace Minemeld.Streams.Core.Miners.Feeds;

/// <summary>
/// The indicators of STIX 1.x packages, as MineMeld's TAXII 1.1 client read them. A poll's packages are gathered
/// first (<see cref="Stix1Packages"/>), since an indicator may refer to observables and TTPs another package of the
/// same poll holds; then every STIX indicator gives one item per observable value it refers to (directly, by
/// <c>idref</c>, or through an <c>OR</c> composition of references), with:
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;_indicator</c>: the STIX indicator's id; <c>&lt;prefix&gt;_observable</c>: the id of a referenced observable;</item>
/// <item><c>&lt;prefix&gt;_indicator_description</c>: its plain description (one with a structuring format is left out);</item>
/// <item><c>confidence</c>: its confidence value through <c>confidence_map</c> (low 40, medium 60, high 80 by default);</item>
/// <item><c>&lt;prefix&gt;_ttp</c>: the description (else the title) of its first indicated TTP;</item>
/// <item>the observable's type and, for addresses, <c>direction</c> from <c>is_source</c> (inbound when true).</item>
/// </list>
/// Objects read: Address (IPv4/IPv6 told from the address unless <c>ip_version_auto_detect</c> is false, then from
/// its category; e-mail addresses), DomainName, URI, Link (URL), File (the strongest hash of <c>hash_priority</c> is
/// the indicator, the others <c>&lt;prefix&gt;_&lt;hash&gt;</c>; a file name when there is one), SocketAddress (its
/// address). A value list (<c>##comma##</c>) gives one item per value. Other object types (e-mail messages,
/// artifacts, WHOIS records, ...) are counted and named in the poll's report, not turned into indicators.
/// </summary>
public sealed class Stix1Parser
{
    /// <summary>MineMeld's hash priority, weakest first: the last one a file object carries is its indicator.</summary>
    public static readonly IReadOnlyList<string> DefaultHashPriority = [IndicatorTypes.Ssdeep, IndicatorTypes.Md5, IndicatorTypes.Sha1, IndicatorTypes.Sha256, IndicatorTypes.Sha512];

    private readonly JsonObject _defaults;
    private readonly Dictionary<string, long> _confidenceMap = new(StringComparer.OrdinalIgnoreCase) { ["low"] = 40, ["medium"] = 60, ["high"] = 80 };
    private readonly List<string> _hashPriority;

    public Stix1Parser(JsonObject config, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(config);
        _defaults = config["attributes"] as JsonObject ?? [];
        Prefix = JsonNodeValues.TryGetString(config["prefix"], out var prefix) ? prefix : nodeName;
        if (config["confidence_map"] is JsonObject map)
        {
            _confidenceMap.Clear();
            foreach (var (label, value) in map)
            {
                if (JsonNodeValues.TryGetInt64(value, out var confidence))
                {
                    _confidenceMap[label] = confidence;
                }
            }
        }

        _hashPriority = config["hash_priority"] is JsonArray hashes
            ? [.. hashes.Select(static h => h?.ToString().ToLowerInvariant() ?? string.Empty)]
            : [.. DefaultHashPriority];
        IpVersionAutoDetect = !JsonNodeValues.TryGetBoolean(config["ip_version_auto_detect"], out var detect) || detect;
        IgnoreCompositionOperator = JsonNodeValues.TryGetBoolean(config["ignore_composition_operator"], out var ignore) && ignore;
        CreateFakeIndicator = JsonNodeValues.TryGetBoolean(config["create_fake_indicator"], out var fake) && fake;
    }

    /// <summary>The prefix of the STIX attributes (MineMeld's <c>prefix</c>, by default the node's name).</summary>
    public string Prefix { get; }

    public bool IpVersionAutoDetect { get; }

    public bool IgnoreCompositionOperator { get; }

    /// <summary>
    /// Observables that no indicator refers to are taken as one indicator's (MineMeld's create_fake_indicator).
    /// </summary>
    public bool CreateFakeIndicator { get; }

    /// <summary>A new gathering of one poll's packages.</summary>
    public Stix1Packages NewCollection() => new(this);

    internal long? Confidence(string label) => _confidenceMap.TryGetValue(label.Trim(), out var value) ? value : null;

    internal JsonObject Defaults => _defaults;

    internal List<string> HashPriority => _hashPriority;
}

/// <summary>The STIX 1.x packages of one poll, and the items they make (<see cref="Stix1Parser"/>).</summary>
public sealed class Stix1Packages
{
    private const string EmailCategory = "e-mail";

    private readonly Stix1Parser _parser;
    private readonly Dictionary<string, Observable?> _observables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StixIndicator> _indicators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ttps = new(StringComparer.Ordinal);
    private int _anonymous;

    internal Stix1Packages(Stix1Parser parser) => _parser = parser;

    /// <summary>Packages added so far.</summary>
    public int Packages { get; private set; }

    /// <summary>The latest <c>timestamp</c> of the packages added, or null when none had one.</summary>
    public DateTimeOffset? LastPackageTimestamp { get; private set; }

    /// <summary>Reads one <c>STIX_Package</c> element; what cannot be read is reported, the rest kept.</summary>
    public void AddPackage(XElement package, FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(report);
        Packages++;
        if (Timestamp(package) is { } stamp && (LastPackageTimestamp is null || stamp > LastPackageTimestamp))
        {
            LastPackageTimestamp = stamp;
        }

        foreach (var observable in Children(package, "Observables").SelectMany(static o => Children(o, "Observable")))
        {
            if (observable.Attribute("id")?.Value is { } id)
            {
                _observables[id] = Decode(observable, report);
            }
        }

        foreach (var ttp in Children(package, "TTPs").SelectMany(static t => Children(t, "TTP")))
        {
            if (ttp.Attribute("id")?.Value is { } id)
            {
                _ttps[id] = TtpDescription(ttp);
            }
        }

        foreach (var indicator in Children(package, "Indicators").SelectMany(static i => Children(i, "Indicator")))
        {
            var id = indicator.Attribute("id")?.Value ?? indicator.Attribute("idref")?.Value ?? $"anonymous-{++_anonymous}";
            var read = new StixIndicator(id);
            if (Child(indicator, "Description") is { } description && description.Attribute("structuring_format") is null)
            {
                read.Description = description.Value.Trim();
            }

            if (Child(indicator, "Confidence") is { } confidence && Child(confidence, "Value") is { } label)
            {
                read.Confidence = _parser.Confidence(label.Value);
            }

            foreach (var observable in Children(indicator, "Observable"))
            {
                read.Observables.Add(Decode(observable, report));
            }

            foreach (var indicated in Children(indicator, "Indicated_TTP"))
            {
                if (Child(indicated, "TTP") is { } ttp)
                {
                    read.Ttps.Add(ttp.Attribute("idref")?.Value is { } reference ? new TtpReference(reference, null) : new TtpReference(null, TtpDescription(ttp)));
                }
            }

            _indicators[id] = read;
        }
    }

    /// <summary>The items of every package added: one per observable value of each indicator.</summary>
    public IEnumerable<FeedItem> Items(FeedParseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var indicators = _indicators.Values.ToList();
        if (indicators.Count == 0 && _observables.Count > 0 && _parser.CreateFakeIndicator)
        {
            var fake = new StixIndicator("minemeld:00000000-0000-0000-0000-000000000000");
            fake.Observables.AddRange(_observables.Keys.Select(static id => (Observable?)new Reference(id)));
            indicators.Add(fake);
        }
        else if (indicators.Count == 0 && _observables.Count > 0)
        {
            report.Warning(0, $"{_observables.Count} observables and no indicator: nothing taken (create_fake_indicator takes them)");
        }

        var prefix = _parser.Prefix;
        foreach (var indicator in indicators)
        {
            var common = new JsonObject { [$"{prefix}_indicator"] = indicator.Id };
            if (!string.IsNullOrEmpty(indicator.Description))
            {
                common[$"{prefix}_indicator_description"] = indicator.Description;
            }

            if (indicator.Confidence is { } confidence)
            {
                common["confidence"] = confidence;
            }

            if (indicator.Ttps.Count > 0)
            {
                var first = indicator.Ttps[0];
                var description = first.Reference is { } reference ? _ttps.GetValueOrDefault(reference) : first.Description;
                if (description is not null)
                {
                    common[$"{prefix}_ttp"] = description;
                }
            }

            var composed = new List<string>();
            foreach (var observable in indicator.Observables)
            {
                var attributes = (JsonObject)common.DeepClone();
                var resolved = observable;
                if (observable is Reference reference)
                {
                    resolved = _observables.GetValueOrDefault(reference.Id);
                    attributes[$"{prefix}_observable"] = reference.Id;
                }

                switch (resolved)
                {
                    case Composition or:
                        composed.AddRange(or.References);
                        break;
                    case Value value:
                        foreach (var item in Emit(value, attributes, report))
                        {
                            yield return item;
                        }

                        break;
                }
            }

            foreach (var reference in composed)
            {
                var attributes = (JsonObject)common.DeepClone();
                attributes[$"{prefix}_observable"] = reference;
                switch (_observables.GetValueOrDefault(reference))
                {
                    case Value value:
                        foreach (var item in Emit(value, attributes, report))
                        {
                            yield return item;
                        }

                        break;
                    case Composition:
                        report.Error(0, $"indicator {indicator.Id}: a composition inside a composition ({reference}) is not read");
                        break;
                }
            }
        }
    }

    private IEnumerable<FeedItem> Emit(Value value, JsonObject attributes, FeedParseReport report)
    {
        attributes[IndicatorValue.Type] = value.Type;
        foreach (var (key, extra) in value.Extra)
        {
            attributes[key] = extra?.DeepClone();
        }

        foreach (var text in value.Indicators)
        {
            var own = (JsonObject)attributes.DeepClone();
            if (IndicatorCheck.Normalize(text, own, _parser.Defaults, 0, report) is { } indicator)
            {
                report.Item();
                yield return new FeedItem(indicator, own);
            }
        }
    }

    /// <summary>
    /// An observable: a reference, an <c>OR</c> of references, or an object's value; null when unreadable.
    /// </summary>
    private Observable? Decode(XElement observable, FeedParseReport report)
    {
        if (observable.Attribute("idref")?.Value is { } idref)
        {
            return new Reference(idref);
        }

        var id = observable.Attribute("id")?.Value ?? "(no id)";
        if (Child(observable, "Observable_Composition") is { } composition)
        {
            var op = composition.Attribute("operator")?.Value;
            if (!string.Equals(op, "OR", StringComparison.OrdinalIgnoreCase) && !_parser.IgnoreCompositionOperator)
            {
                report.Error(0, $"observable {id}: a composition with {op ?? "no"} operator is not read (only OR; ignore_composition_operator reads any)");
                return null;
            }

            var references = new List<string>();
            foreach (var nested in Children(composition, "Observable"))
            {
                if (nested.Attribute("idref")?.Value is not { } nestedRef)
                {
                    report.Error(0, $"observable {id}: a composition of inline observables is not read (only references)");
                    return null;
                }

                references.Add(nestedRef);
            }

            return new Composition(references);
        }

        if (Child(observable, "Object") is not { } obj || Child(obj, "Properties") is not { } properties)
        {
            report.Error(0, $"observable {id} has no object properties");
            return null;
        }

        return DecodeProperties(id, properties, report);
    }

    private Value? DecodeProperties(string id, XElement properties, FeedParseReport report)
    {
        var objectType = XsiType(properties);
        switch (objectType)
        {
            case "AddressObjectType":
                return DecodeAddress(id, properties, report);
            case "SocketAddressObjectType":
                return Child(properties, "IP_Address") is { } address
                    ? DecodeAddress(id, address, report)
                    : Unreadable(report, id, "a socket address without an IP address");
            case "DomainNameObjectType":
                return Values(Child(properties, "Value")) is { Count: > 0 } domains
                    ? new Value(IndicatorTypes.Domain, domains, [])
                    : Unreadable(report, id, "a domain name without value");
            case "URIObjectType":
                return Values(Child(properties, "Value")) is { Count: > 0 } uris
                    ? new Value(IndicatorTypes.Url, uris, [])
                    : Unreadable(report, id, "a URI without value");
            case "LinkObjectType":
                var linkType = properties.Attribute("type")?.Value ?? "URL";
                if (!string.Equals(linkType, "URL", StringComparison.Ordinal))
                {
                    return Unreadable(report, id, $"a link of type {linkType}");
                }

                return Values(Child(properties, "Value")) is { Count: > 0 } links
                    ? new Value(IndicatorTypes.Url, links, [])
                    : Unreadable(report, id, "a link without value");
            case "FileObjectType":
                return DecodeFile(id, properties, report);
            case null:
                return Unreadable(report, id, "object properties without xsi:type");
            default:
                report.Warning(0, $"observable {id}: {objectType} is not an indicator type here, skipped");
                return null;
        }
    }

    private Value? DecodeAddress(string id, XElement address, FeedParseReport report)
    {
        var values = Values(Child(address, "Address_Value"));
        if (values.Count == 0)
        {
            return Unreadable(report, id, "an address without value");
        }

        var category = address.Attribute("category")?.Value;
        string type;
        if (string.Equals(category, EmailCategory, StringComparison.Ordinal))
        {
            type = IndicatorTypes.EmailAddress;
        }
        else if (_parser.IpVersionAutoDetect)
        {
            // Some feeds leave the category at its ipv4-addr default for IPv6 addresses: the address tells.
            if (!IndicatorCheck.TryIpType(values[0], out type))
            {
                return Unreadable(report, id, $"'{IndicatorCheck.Truncate(values[0])}' is neither an IPv4 nor an IPv6 address or network");
            }
        }
        else
        {
            type = category switch
            {
                "ipv4-addr" => IndicatorTypes.IPv4,
                "ipv6-addr" => IndicatorTypes.IPv6,
                _ => string.Empty,
            };
            if (type.Length == 0)
            {
                return Unreadable(report, id, $"address category '{category}' is not ipv4-addr, ipv6-addr or e-mail");
            }
        }

        var extra = new JsonObject();
        if (type is IndicatorTypes.IPv4 or IndicatorTypes.IPv6 && address.Attribute("is_source")?.Value is { } isSource)
        {
            extra["direction"] = string.Equals(isSource, "true", StringComparison.OrdinalIgnoreCase) || isSource == "1" ? "inbound" : "outbound";
        }

        return new Value(type, values, extra);
    }

    private Value? DecodeFile(string id, XElement file, FeedParseReport report)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        string? strongest = null;
        var rank = -1;
        foreach (var hash in Children(file, "Hashes").SelectMany(static h => Children(h, "Hash")))
        {
            var name = Child(hash, "Type")?.Value.Trim().ToLowerInvariant();
            var value = Child(hash, "Simple_Hash_Value")?.Value.Trim();
            if (name is null || string.IsNullOrEmpty(value))
            {
                continue;
            }

            var priority = _parser.HashPriority.IndexOf(name);
            if (priority < 0)
            {
                continue;
            }

            hashes[name] = value;
            if (priority > rank)
            {
                (strongest, rank) = (name, priority);
            }
        }

        var fileName = Child(file, "File_Name")?.Value.Trim();
        if (strongest is null && string.IsNullOrEmpty(fileName))
        {
            return Unreadable(report, id, "a file object with no hash of hash_priority and no file name");
        }

        var extra = new JsonObject();
        foreach (var (name, value) in hashes)
        {
            if (!string.IsNullOrEmpty(fileName) || name != strongest)
            {
                extra[$"{_parser.Prefix}_{name}"] = value;
            }
        }

        return string.IsNullOrEmpty(fileName)
            ? new Value(strongest!, [hashes[strongest!]], extra)
            : new Value(IndicatorTypes.FileName, [fileName], extra);
    }

    private static Value? Unreadable(FeedParseReport report, string id, string what)
    {
        report.Error(0, $"observable {id}: {what}");
        return null;
    }

    /// <summary>The value(s) of a CybOX property: text, split at CybOX's <c>##comma##</c> list delimiter.</summary>
    private static List<string> Values(XElement? property)
    {
        if (property is null)
        {
            return [];
        }

        var delimiter = property.Attribute("delimiter")?.Value ?? "##comma##";
        return [.. property.Value.Split(delimiter, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    private static string TtpDescription(XElement ttp) =>
        (Child(ttp, "Description") ?? Child(ttp, "Title"))?.Value.Trim() ?? string.Empty;

    private static DateTimeOffset? Timestamp(XElement element) =>
        element.Attribute("timestamp")?.Value is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp)
            ? stamp
            : null;

    /// <summary>
    /// The local name of an element's <c>xsi:type</c> (<c>AddressObj:AddressObjectType</c> → <c>AddressObjectType</c>).
    /// </summary>
    private static string? XsiType(XElement element)
    {
        var type = element.Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))?.Value;
        return type is null ? null : type[(type.IndexOf(':', StringComparison.Ordinal) + 1)..];
    }

    // STIX feeds disagree on namespace versions; elements are matched by local name under the right parent.
    private static XElement? Child(XElement parent, string localName) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private static IEnumerable<XElement> Children(XElement parent, string localName) => parent.Elements().Where(e => e.Name.LocalName == localName);

    private abstract record Observable;

    private sealed record Reference(string Id) : Observable;

    private sealed record Composition(IReadOnlyList<string> References) : Observable;

    private sealed record Value(string Type, IReadOnlyList<string> Indicators, JsonObject Extra) : Observable;

    private sealed record TtpReference(string? Reference, string? Description);

    private sealed class StixIndicator(string id)
    {
        public string Id { get; } = id;

        public string? Description { get; set; }

        public long? Confidence { get; set; }

        public List<Observable?> Observables { get; } = [];

        public List<TtpReference> Ttps { get; } = [];
    }
}
