namespace Minemeld.Streams.Hosting.Nodes.Miners;

/// <summary>
/// One refused entry of a list edit: its position in the request, the indicator as given (when there was one) and why.
/// </summary>
public sealed record ListEntryError(int Entry, string? Indicator, string Message)
{
    public override string ToString() => Indicator is null ? $"entry {Entry}: {Message}" : $"entry {Entry} ('{Indicator}'): {Message}";
}

/// <summary>
/// A list edit refused as a whole: nothing was written. <see cref="Errors"/> holds the first
/// <see cref="MaxReported"/> refused entries in request order (a console maps them back to the lines of an upload);
/// <see cref="Refused"/> counts them all.
/// </summary>
public sealed class InvalidListEntriesException : ArgumentException
{
    /// <summary>How many refused entries are kept for the report; the rest are only counted.</summary>
    public const int MaxReported = 1000;

    public InvalidListEntriesException(IReadOnlyList<ListEntryError> errors, int refused, int total)
        : base(Describe(errors, refused))
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = errors;
        Refused = refused;
        Total = total;
    }

    public IReadOnlyList<ListEntryError> Errors { get; }

    /// <summary>Every refused entry, reported or not.</summary>
    public int Refused { get; }

    /// <summary>Entries in the request.</summary>
    public int Total { get; }

    /// <summary>Collects the refused entries of one request; <see cref="ThrowIfAny"/> ends it.</summary>
    public sealed class Collector(int total)
    {
        private readonly List<ListEntryError> _errors = [];

        public int Refused { get; private set; }

        public void Add(int entry, string? indicator, string message)
        {
            if (_errors.Count < MaxReported)
            {
                _errors.Add(new ListEntryError(entry, indicator, message));
            }

            Refused++;
        }

        public void ThrowIfAny()
        {
            if (Refused > 0)
            {
                throw new InvalidListEntriesException(_errors, Refused, total);
            }
        }
    }

    private static string Describe(IReadOnlyList<ListEntryError> errors, int refused)
    {
        var shown = string.Join("; ", errors.Take(20));
        return refused == 1 ? shown : $"{refused} invalid entries, nothing written: {shown}{(refused > 20 ? "; …" : string.Empty)}";
    }
}
