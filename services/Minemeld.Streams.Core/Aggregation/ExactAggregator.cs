using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Core.Aggregation;

/// <summary>
/// MineMeld's exact-match aggregator (<c>minemeld.ft.op.AggregateFT</c>, docs/minemeld-engine.md, "Exact-match
/// aggregation") as a pure function over one indicator's rows (input name → that input's last value). The caller loads
/// the rows of the message's indicator, applies the message, stores the new rows and publishes the emissions; replaying
/// a message leaves the same rows and emits what it emitted the first time.
/// </summary>
public sealed class ExactAggregator(WhitelistPolicy policy, bool ignoreCase = false)
{
    /// <summary>The key under which an indicator's rows are kept (lower-cased with <c>ignore_cases</c>).</summary>
    public string Key(string indicator) => ignoreCase ? indicator.ToLowerInvariant() : indicator;

    /// <summary>Applies an update from <paramref name="input"/>; <paramref name="rows"/> is changed in place.</summary>
    public IReadOnlyList<Emission> Update(SortedDictionary<string, JsonObject> rows, string input, string indicator, JsonObject value, AggregatorCounters counters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(counters);
        indicator = Key(indicator);
        var whitelistBefore = rows.Keys.Any(policy.IsWhitelist);
        var blacklistBefore = rows.Keys.Any(k => !policy.IsWhitelist(k));
        if (!rows.ContainsKey(input))
        {
            counters.Added++;
        }

        rows[input] = value;
        if (policy.IsWhitelist(input))
        {
            return !whitelistBefore && blacklistBefore ? [new Emission(MessageOp.Withdraw, indicator, null)] : [];
        }

        return whitelistBefore ? [] : [new Emission(MessageOp.Update, indicator, Merge(rows))];
    }

    /// <summary>
    /// Applies a withdraw from <paramref name="input"/>; <paramref name="rows"/> is changed in place.
    /// </summary>
    public IReadOnlyList<Emission> Withdraw(SortedDictionary<string, JsonObject> rows, string input, string indicator, JsonObject? value, AggregatorCounters counters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(counters);
        indicator = Key(indicator);
        rows.TryGetValue(input, out var stored);
        if (value is not null && stored is not null && !SameType(value, stored))
        {
            counters.WithdrawIgnored++;
            return [];
        }

        var whitelists = rows.Keys.Count(policy.IsWhitelist);
        var blacklists = rows.Count - whitelists;
        var existed = stored is not null;
        if (existed)
        {
            rows.Remove(input);
            counters.Removed++;
        }

        if (policy.IsWhitelist(input))
        {
            if (existed && whitelists > 1)
            {
                return [];
            }

            return blacklists > 0 ? [new Emission(MessageOp.Update, indicator, Merge(rows))] : [];
        }

        if (whitelists > 0 || !existed)
        {
            return [];
        }

        return blacklists > 1
            ? [new Emission(MessageOp.Update, indicator, Merge(rows))]
            : [new Emission(MessageOp.Withdraw, indicator, stored)];
    }

    /// <summary>The merged value of the non-whitelist rows, in the node's input order.</summary>
    public JsonObject Merge(IReadOnlyDictionary<string, JsonObject> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var merged = AttributeMerger.NewAccumulator();
        foreach (var input in rows.Keys.Where(k => !policy.IsWhitelist(k)).Order(Comparer<string>.Create(policy.Compare)))
        {
            AttributeMerger.MergeInto(merged, rows[input]);
        }

        return merged;
    }

    private static bool SameType(JsonObject a, JsonObject b)
    {
        var hasA = JsonNodeValues.TryGetString(a[IndicatorValue.Type], out var typeA);
        var hasB = JsonNodeValues.TryGetString(b[IndicatorValue.Type], out var typeB);
        return hasA == hasB && string.Equals(typeA, typeB, StringComparison.Ordinal);
    }
}
