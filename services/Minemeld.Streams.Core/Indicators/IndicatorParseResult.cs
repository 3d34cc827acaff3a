namespace Minemeld.Streams.Core.Indicators;

/// <summary>
/// The outcome of validating one indicator for its type: the normalised form, or why it is invalid. A valid
/// indicator may carry a warning (e.g. CIDR host bits that were cleared).
/// </summary>
public readonly record struct IndicatorParseResult(string? Normalized, string? Warning, string? Error)
{
    public bool IsValid => Normalized is not null;

    public static IndicatorParseResult Valid(string normalized, string? warning = null) => new(normalized, warning, null);

    public static IndicatorParseResult Invalid(string error) => new(null, null, error);
}
