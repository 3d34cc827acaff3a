using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Minemeld.Streams.Core.Indicators;
using Minemeld.Streams.Core.Json;
using Minemeld.Streams.Core.Messages;

namespace Minemeld.Streams.Core.Miners;

/// <summary>
/// The miner's table and MineMeld's poller commands (docs/minemeld-engine.md, "Miners: the per-poll diff") as pure
/// logic over a logical clock: the per-poll diff, sudden death, the age-out sweep, garbage collection, flush and
/// rebuild. Hosts supply items and time, persist <see cref="Rows"/>, and publish the returned emissions. A new row's
/// value is written in one place, Poller.NewValue.cs.
/// <para>
/// A successful poll that still contains an indicator refreshes its <c>last_seen</c>, so a <c>last_seen+N</c> policy
/// means N after the indicator was last seen; the refresh alone publishes nothing. A rebuild re-emits only live
/// indicators (docs/minemeld-compatibility.md, "Differences from MineMeld", 11).
/// </para>
/// </summary>
public sealed partial class Poller(PollerSettings settings)
{
    private readonly Dictionary<string, MinerRow> _rows = new(StringComparer.Ordinal);

    /// <summary>
    /// Rows no longer held (collected, or replaced by a new row) and not yet taken (<see cref="TakeDropped"/>).
    /// </summary>
    private readonly List<MinerRow> _dropped = [];

    /// <summary>
    /// The last row value written as UTF-8: the next one, when equal, is that array. A poll's new rows mostly carry the
    /// node's attributes and one first_seen (and its refreshed rows one first_seen and last_seen), and a row's array is
    /// never changed, so they share one: a million-row list holds one value array instead of a million.
    /// </summary>
    private byte[]? _lastValue;

    public PollerSettings Settings { get; } = settings;

    public PollerCounters Counters { get; } = new();

    public long? LastRun { get; private set; }

    public long? LastSuccessfulRun { get; private set; }

    /// <summary>Rows held, withdrawn-but-not-collected ones included (MineMeld's <c>length</c>).</summary>
    public int Length => _rows.Count;

    public IReadOnlyCollection<MinerRow> Rows => _rows.Values;

    /// <summary>
    /// The rows no longer held since the last call (or since <see cref="Restore"/>): deleted by
    /// <see cref="CollectGarbage"/>, or replaced by a new row for the same indicator. For a state store that writes
    /// only what changed: their saved rows go, unless a row held now is saved under the same key.
    /// </summary>
    public List<MinerRow> TakeDropped()
    {
        var taken = new List<MinerRow>(_dropped);
        _dropped.Clear();
        return taken;
    }

    /// <summary>
    /// Restores persisted state (rows and run times) without publishing anything. Of rows with the same key (a table
    /// written in two layouts, by two builds side by side) the one with the latest last run is kept, the first on ties.
    /// </summary>
    public void Restore(IEnumerable<MinerRow> rows, long? lastRun, long? lastSuccessfulRun)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _rows.Clear();
        _dropped.Clear();
        foreach (var row in rows)
        {
            ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, Key(row.Type, row.Indicator), out var exists);
            if (!exists || row.LastRun > held!.LastRun)
            {
                held = row;
            }
        }

        (LastRun, LastSuccessfulRun) = (lastRun, lastSuccessfulRun);
    }

    /// <summary>
    /// One poll: every item is diffed against the table (items failing earlier parsing never get here); the poll
    /// then completes. A failed poll (<paramref name="succeeded"/> false) still applies what it produced but does
    /// not advance the last successful run, so sudden death cannot remove anything because of it.
    /// </summary>
    public List<Emission> ApplyPoll(long now, IEnumerable<(string Indicator, JsonObject Attributes)> items, bool succeeded) =>
        [.. ApplyPollIncrementally(now, items, succeeded)];

    /// <summary>
    /// <see cref="ApplyPoll"/> applied as the sequence is enumerated, so that a host publishes the first emissions
    /// while later items are still being diffed. The poll completes (run times advance) only when the sequence has been
    /// enumerated to its end; a host that stops early holds a partly applied table and must restore it.
    /// </summary>
    public IEnumerable<Emission> ApplyPollIncrementally(long now, IEnumerable<(string Indicator, JsonObject Attributes)> items, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(items);
        return ApplyPollIncrementally(now, items.Select(static i => new PollItem(i.Indicator, i.Attributes)), succeeded);
    }

    /// <summary>
    /// <see cref="ApplyPollIncrementally(long, IEnumerable{ValueTuple{string, JsonObject}}, bool)"/> over items whose
    /// attributes may be UTF-8 (a local list's entries): a new row's value is then written from the bytes.
    /// </summary>
    public IEnumerable<Emission> ApplyPollIncrementally(long now, IEnumerable<PollItem> items, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Apply();

        IEnumerable<Emission> Apply()
        {
            // Sized once for a poll whose length is known (a list's entries): a table of a million rows is not grown
            // by doubling, twenty large arrays allocated and every row rehashed on the way.
            if (items.TryGetNonEnumeratedCount(out var count))
            {
                _rows.EnsureCapacity(count);
            }

            if (Settings.AggregateIndicators)
            {
                // Items with the same (type, indicator) in one poll count once; the last attributes win.
                var aggregated = new Dictionary<string, PollItem>(StringComparer.Ordinal);
                foreach (var item in items)
                {
                    aggregated[Key(TypeOf(item), item.Indicator)] = item;
                }

                items = aggregated.Values;
            }

            foreach (var item in items)
            {
                if (Process(now, item) is { } emission)
                {
                    yield return emission;
                }
            }

            LastRun = now;
            if (succeeded)
            {
                LastSuccessfulRun = now;
            }
            else
            {
                Counters.PollErrors++;
            }
        }
    }

    /// <summary>Marks rows absent from the last successful poll to age out (no-op before a successful poll).</summary>
    public void SuddenDeath()
    {
        if (LastSuccessfulRun is not { } lsr)
        {
            return;
        }

        foreach (var row in _rows.Values.Where(r => r.LastRun <= lsr - 1))
        {
            row.AgeOut = lsr - 1;
            Counters.Removed++;
        }
    }

    /// <summary>Withdraws every row whose age-out time has passed (<c>_age_out &lt;= now − 1</c>).</summary>
    public List<Emission> AgeOut(long now)
    {
        var emissions = new List<Emission>();
        foreach (var row in _rows.Values.Where(r => r.Withdrawn is null && r.AgeOut <= now - 1).OrderBy(static r => r.Indicator, StringComparer.Ordinal))
        {
            row.Withdrawn = now;
            Counters.AgedOut++;
            emissions.Add(Withdraw(row));
        }

        return emissions;
    }

    /// <summary>Deletes withdrawn rows that were not in the last successful poll; returns how many.</summary>
    public int CollectGarbage(long now)
    {
        var lsr = LastSuccessfulRun ?? long.MinValue;
        var doomed = _rows.Where(p => p.Value.Withdrawn is { } w && w <= now && p.Value.LastRun < lsr - 1).ToList();
        foreach (var (key, row) in doomed)
        {
            _rows.Remove(key);
            _dropped.Add(row);
        }

        Counters.GarbageCollected += doomed.Count;
        return doomed.Count;
    }

    /// <summary>Withdraws everything that is live; the next poll adds it all again.</summary>
    public List<Emission> Flush(long now)
    {
        var emissions = new List<Emission>();
        foreach (var row in _rows.Values.Where(static r => r.Withdrawn is null).OrderBy(static r => r.Indicator, StringComparer.Ordinal))
        {
            row.Withdrawn = now;
            row.LastRun = 0;
            Counters.Flushed++;
            emissions.Add(Withdraw(row));
        }

        return emissions;
    }

    /// <summary>
    /// Publishes the state of each indicator given again, whatever the table's diff says (the indicators a cycle that
    /// did not save published, <c>MinerStateStore.Unsettled</c>): an update of a live row, a withdraw of a withdrawn
    /// one, and for an indicator the table does not hold (the lost cycle added it; this one does not) a withdraw whose
    /// value is what every row of this node carries: the config's attributes, its type and source. Each once.
    /// </summary>
    public List<Emission> Resend(IEnumerable<(string? Type, string Indicator)> indicators, long now)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        var emissions = new List<Emission>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (type, indicator) in indicators)
        {
            var key = Key(type, indicator);
            if (!seen.Add(key))
            {
                continue;
            }

            if (_rows.TryGetValue(key, out var row))
            {
                emissions.Add(row.Withdrawn is null && row.AgeOut >= now ? Update(row) : Withdraw(row));
                continue;
            }

            var value = (JsonObject)Settings.Attributes.DeepClone();
            if (type is not null)
            {
                value[IndicatorValue.Type] = type;
            }

            value[IndicatorValue.Sources] ??= new JsonArray(Settings.SourceName);
            Counters.WithdrawTx++;
            emissions.Add(new Emission(MessageOp.Withdraw, indicator, value));
        }

        emissions.Sort(static (a, b) => string.CompareOrdinal(a.Indicator, b.Indicator));
        return emissions;
    }

    /// <summary>Re-emits every live indicator (after downstream state was lost).</summary>
    public List<Emission> Rebuild(long now) =>
        [.. _rows.Values.Where(r => r.Withdrawn is null && r.AgeOut >= now).OrderBy(static r => r.Indicator, StringComparer.Ordinal).Select(row => Update(row))];

    private Emission? Process(long now, PollItem item)
    {
        var indicator = item.Indicator;
        var itemType = TypeOf(item);
        var type = itemType ?? TypeOf(Settings.Attributes);
        if (Settings.Guard.Refuses(type, indicator))
        {
            // Skipped as if the source had not listed it: a row held from before the guard is then withdrawn by
            // sudden death or aged out, and never published again.
            Counters.OverBroad++;
            return null;
        }

        var key = Key(type, indicator);
        var threshold = LastSuccessfulRun ?? (now - (Settings.IntervalSeconds * 1000L));
        JsonObject attributes;
        if (!_rows.TryGetValue(key, out var row) || row.LastRun < threshold)
        {
            if (row is not null)
            {
                _dropped.Add(row); // replaced below by a new row
            }

            // New, or not in the previous successful poll: (re)created with a fresh first_seen.
            // The value's type: the item's when it has one (even one that is not a string), else the node's.
            var valueType = itemType ?? (HasType(item) ? null : TypeOf(Settings.Attributes));
            var created = NewValue(now, item, out var hasPrivate, out var firstSeen, out var lastSeen);
            row = new MinerRow(indicator, created, valueType) { LastRun = now, AgeOut = AgeOutOf(valueType, firstSeen, lastSeen) };
            _rows[key] = row;
            Counters.Added++;
            return row.AgeOut < now ? null : hasPrivate ? Update(row) : UpdatePlain(row);
        }

        row.LastRun = now;
        if (row.Withdrawn is not null)
        {
            row.Withdrawn = now; // stays withdrawn while it keeps appearing
            return null;
        }

        if (row.AgeOut < now)
        {
            return null; // the pending sweep withdraws it
        }

        attributes = item.Tree();
        var previous = row.ReadValue();
        var changed = Changed(previous, attributes);
        var value = new JsonObjectBuilder(previous.Count + 1);
        foreach (var (name, node) in previous)
        {
            if (attributes.ContainsKey(name) || Settings.Attributes.ContainsKey(name) || IsDefaultKey(name) || IndicatorValue.IsPrivate(name))
            {
                value.Set(name, node?.DeepClone());
            }
        }

        value.Set(IndicatorValue.LastSeen, now);
        foreach (var (name, node) in attributes)
        {
            value.Set(name, node?.DeepClone());
        }

        var refreshed = value.Build();
        row.SetValue(refreshed, ref _lastValue);
        row.AgeOut = AgeOutOf(refreshed);
        return changed && row.AgeOut >= now ? Update(row, refreshed) : null;
    }

    private long AgeOutOf(string? type, long firstSeen, long lastSeen) =>
        Settings.PolicyFor(type) is { } policy ? policy.AgeOutAt(firstSeen, lastSeen) : AgeOutExpression.NeverMilliseconds;

    private long AgeOutOf(JsonObject value)
    {
        if (Settings.PolicyFor(TypeOf(value)) is not { } policy)
        {
            return AgeOutExpression.NeverMilliseconds;
        }

        JsonNodeValues.TryGetInt64(value[IndicatorValue.FirstSeen], out var firstSeen);
        JsonNodeValues.TryGetInt64(value[IndicatorValue.LastSeen], out var lastSeen);
        return policy.AgeOutAt(firstSeen, lastSeen);
    }

    /// <summary>
    /// MineMeld's compare: unchanged iff every non-default, non-private key of the old value is in the new
    /// attributes and every new attribute has the same value in the old one.
    /// </summary>
    private bool Changed(JsonObject old, JsonObject attributes)
    {
        foreach (var (name, _) in old)
        {
            if (!IsDefaultKey(name) && !Settings.Attributes.ContainsKey(name) && !IndicatorValue.IsPrivate(name) && !attributes.ContainsKey(name))
            {
                return true;
            }
        }

        foreach (var (name, node) in attributes)
        {
            if (!old.TryGetPropertyValue(name, out var previous) || !JsonNode.DeepEquals(previous, node))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDefaultKey(string name) => name is IndicatorValue.Sources or IndicatorValue.FirstSeen or IndicatorValue.LastSeen;

    private string Key(string? type, string indicator) => Settings.MultipleIndicatorTypes ? $"{type}::{indicator}" : indicator;

    /// <summary>The item's type attribute when it is a string (read in place from bytes).</summary>
    private static string? TypeOf(in PollItem item) =>
        item.Attributes.GetString(IndicatorValue.Type, "type"u8);

    private static bool HasType(in PollItem item) =>
        item.Attributes.HasTree ? item.Attributes.Tree!.ContainsKey(IndicatorValue.Type) : Utf8JsonObject.TryFindLast(item.Attributes.Utf8.Span, "type"u8, out _);

    private static string? TypeOf(JsonObject value) => JsonNodeValues.TryGetString(value[IndicatorValue.Type], out var type) ? type : null;

    /// <summary>
    /// An update of <paramref name="row"/>; <paramref name="value"/> is its value when the caller has it as a tree.
    /// </summary>
    private Emission Update(MinerRow row, JsonObject? value = null)
    {
        Counters.UpdateTx++;
        return value is null ? Published(MessageOp.Update, row) : Published(MessageOp.Update, row, value);
    }

    /// <summary>
    /// An update of a row whose value <see cref="NewValue"/> wrote without a private key: its bytes go out as they are,
    /// without looking for one, and its type is the row's (the one type attribute written, when a string).
    /// </summary>
    private Emission UpdatePlain(MinerRow row)
    {
        Counters.UpdateTx++;
        return new Emission(MessageOp.Update, row.Indicator, IndicatorJson.OfUtf8(row.Utf8Value)) { Type = row.Type };
    }

    private Emission Withdraw(MinerRow row)
    {
        Counters.WithdrawTx++;
        return Published(MessageOp.Withdraw, row);
    }

    /// <summary>
    /// The row's value as published: its bytes as they are when nothing is private, a stripped tree otherwise.
    /// </summary>
    private static Emission Published(MessageOp op, MinerRow row) =>
        Utf8JsonObject.HasNameStartingWith(row.Utf8Value, (byte)'_', (byte)'$')
            ? Published(op, row, row.ReadValue())
            : new Emission(op, row.Indicator, IndicatorJson.OfUtf8(row.Utf8Value));

    /// <summary>
    /// The value as published: the tree itself (the row keeps only its bytes, so nothing else changes it) with the
    /// row's bytes, which are its JSON; or, when private keys must be stripped, a copy without them (and no bytes).
    /// </summary>
    private static Emission Published(MessageOp op, MinerRow row, JsonObject value)
    {
        var published = IndicatorValue.StrippedForEmit(value);
        return ReferenceEquals(published, value)
            ? new Emission(op, row.Indicator, IndicatorJson.Of(value, row.Utf8Value))
            : new Emission(op, row.Indicator, published);
    }
}
