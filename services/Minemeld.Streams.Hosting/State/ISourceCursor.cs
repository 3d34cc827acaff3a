namespace Minemeld.Streams.Hosting.State;

/// <summary>
/// Where an incremental source (a TAXII collection) goes on from at its next poll. It is saved with the table that
/// holds what the source read up to there, in the same commit: a cycle that fails before its save reads the same
/// span again instead of skipping it.
/// </summary>
public interface ISourceCursor
{
    /// <summary>The cursor of the last saved cycle; null before the first.</summary>
    string? Current { get; }

    /// <summary>The cursor to save with this cycle's table.</summary>
    void Advance(string next);
}
