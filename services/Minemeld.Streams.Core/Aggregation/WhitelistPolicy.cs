namespace Minemeld.Streams.Core.Aggregation;

/// <summary>
/// Which inputs are whitelists (docs/minemeld-engine.md, "Aggregators and whitelists"): an input is one when its NAME
/// starts with any of the node's <c>whitelist_prefixes</c>, whatever its attributes. Also the merge order of inputs
/// (docs/minemeld-compatibility.md, difference 9): the order of the node's <c>inputs</c>.
/// </summary>
public sealed class WhitelistPolicy
{
    private readonly string[] _prefixes;
    private readonly Dictionary<string, int> _order;

    public WhitelistPolicy(IReadOnlyList<string> inputs, IReadOnlyList<string> whitelistPrefixes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(whitelistPrefixes);
        _prefixes = [.. whitelistPrefixes];
        _order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            _order.TryAdd(inputs[i], i);
        }
    }

    public bool IsWhitelist(string input)
    {
        // A loop, not Any(): this runs for every row an aggregator creates.
        foreach (var prefix in _prefixes)
        {
            if (input.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Orders inputs as the node lists them; inputs it does not list come last, by name.</summary>
    public int Compare(string a, string b)
    {
        var ra = _order.TryGetValue(a, out var ia) ? ia : int.MaxValue;
        var rb = _order.TryGetValue(b, out var ib) ? ib : int.MaxValue;
        return ra != rb ? ra.CompareTo(rb) : string.CompareOrdinal(a, b);
    }
}
